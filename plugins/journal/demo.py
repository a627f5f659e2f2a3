"""The journal's demo: every lesson of the current school year before the school's today, filled;
today's lessons wait for their teachers.

Topics follow each subject's programme through the year; homework is due at the page's next
lesson (about one lesson in ten «без домашнего задания»); a контрольная or another larger piece
of work about every eighth lesson. Attendance: illnesses of two to five school days («Б» at all
the day's lessons), a family day («У») now and then, a scattered «Н», a late «ОП» at the first
lesson: about 6 % of student-lessons absent. Marks: about 200 a student a year (scaled by the part
of the year gone), each student keeping their level, everyone present marked at a larger piece of
work, «4/5» marks for Russian dictations; none on pages «без отметок», none for the absent. About
one lesson in twenty is filled a day or more late. Written in bulk with the history rows, and no
events (the demo is the past, not news). Deterministic: only ``rng`` draws, in sorted order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.types import GradeScale
from core.school.models import School
from core.structure.common import school_today
from core.structure.models import AcademicYear, Subject, SubjectPage
from core.timetable.lessons import PageInfo, TimetableData, load_timetable
from plugins.journal.models import JournalAttendance, JournalGrade, JournalHistory, JournalLesson, JournalWorkKind
from plugins.journal.roster import on_day, page_roster
from plugins.journal.rules import JournalRules, ensure_defaults, is_ungraded, load_rules, scale_for
from plugins.journal.sync import ensure_synced

MARKS_PER_YEAR = 200
WORK_EVERY = 8  # lessons between two larger pieces of work (a контрольная, a dictation ...)
FILLED_LATE = 0.05
ILLNESS_START = 0.0125  # the chance a healthy student falls ill on a school day (before their frailty)
ILLNESS_DAYS = (2, 5)
FAMILY_DAY = 0.006  # a day away for a family reason («У»)
SKIPPED = 0.011  # a single lesson missed («Н»), before the student's level
LATE_FIRST = 0.03  # late for the day's first lesson («ОП»)
HOMEWORK_SEARCH = timedelta(days=21)  # how far ahead the last lessons look for the page's next one


class Level(NamedTuple):
    """A student's level: their share among students, the chances of a 5, 4, 3 and 2, how often they skip."""

    share: int
    chances: tuple[int, int, int, int]
    skipping: float


# Strong, average and weak students.
LEVELS = (Level(30, (62, 32, 6, 0), 0.6), Level(50, (28, 48, 22, 2), 1.0), Level(20, (8, 32, 48, 12), 1.8))
FIVE_POINT_MARKS = ("5", "4", "3", "2")
REGULAR_KINDS = (("answer", 50), ("classwork", 38), ("independent", 7), ("homework", 5))

# Subject families, found by a word of the subject's name (the first that matches).
FAMILIES = (
    ("алгебр", "algebra"), ("геометр", "geometry"), ("вероятн", "probability"), ("математ", "math"),
    ("литературное чтение", "reading"), ("литератур", "literature"), ("русск", "russian"), ("иностранн", "english"),
    ("английск", "english"), ("обществозн", "social"), ("истори", "history"), ("географ", "geography"),
    ("биолог", "biology"), ("физическ", "pe"), ("физик", "physics"), ("хими", "chemistry"), ("информат", "informatics"),
    ("окружающ", "world"), ("религиозн", "orkse"), ("духовно", "odnkr"), ("изобраз", "art"), ("музык", "music"),
    ("труд", "technology"), ("технолог", "technology"), ("безопасност", "obzr"), ("проект", "project"),
)
FALLBACK_TOPICS = ("Вводный урок; Изучение нового материала; Закрепление изученного; Работа с учебником; Практикум; "
                   "Повторение изученного; Обобщение и систематизация знаний")
# A family's programme by grade levels: (first, last, "topic; topic; ...").
TOPICS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "math": (
        (1, 2, "Счёт предметов; Числа от 1 до 10; Сложение и вычитание в пределах 10; Числа от 11 до 20; Сложение с переходом "
               "через десяток; Вычитание с переходом через десяток; Сантиметр и дециметр; Нумерация чисел от 1 до 100; Сложение и "
               "вычитание двузначных чисел; Скобки и порядок действий; Периметр многоугольника; Умножение как сложение одинаковых "
               "слагаемых; Таблица умножения на 2; Деление на равные части; Задачи в два действия"),
        (3, 4, "Таблица умножения и деления; Внетабличное умножение и деление; Деление с остатком; Нумерация чисел в пределах "
               "1000; Письменное сложение и вычитание; Площадь прямоугольника; Единицы массы и времени; Доли и дроби; Многозначные "
               "числа; Умножение на однозначное число; Деление на однозначное число; Умножение на двузначное число; Деление на "
               "двузначное число; Задачи на движение; Уравнения; Порядок действий в выражениях"),
        (5, 6, "Натуральные числа и шкалы; Сложение и вычитание натуральных чисел; Умножение и деление натуральных чисел; Степень "
               "числа; Упрощение выражений; Площади и объёмы; Признаки делимости; НОД и НОК; Обыкновенные дроби; Сокращение "
               "дробей; Сложение и вычитание дробей; Смешанные числа; Умножение и деление дробей; Десятичные дроби; Действия с "
               "десятичными дробями; Проценты; Отношения и пропорции; Положительные и отрицательные числа; Координатная плоскость")),
    "algebra": (
        (7, 9, "Числовые выражения; Выражения с переменными; Линейное уравнение с одной переменной; Решение задач с помощью "
               "уравнений; Функция и её график; Линейная функция; Степень с натуральным показателем; Одночлены; Многочлены; "
               "Умножение многочленов; Формулы сокращённого умножения; Разложение многочлена на множители; Системы линейных "
               "уравнений; Рациональные дроби; Квадратные корни; Квадратные уравнения; Теорема Виета; Неравенства с одной "
               "переменной; Квадратичная функция; Арифметическая прогрессия; Геометрическая прогрессия"),
        (10, 11, "Действительные числа; Степень с рациональным показателем; Степенная функция; Иррациональные уравнения; "
                 "Показательная функция; Показательные уравнения и неравенства; Логарифм числа; Свойства логарифмов; "
                 "Логарифмическая функция; Логарифмические уравнения; Тригонометрическая окружность; Синус, косинус и тангенс; "
                 "Формулы приведения; Тригонометрические уравнения; Производная; Правила дифференцирования; Исследование функции "
                 "с помощью производной; Первообразная и интеграл")),
    "geometry": (
        (7, 9, "Начальные геометрические сведения; Смежные и вертикальные углы; Признаки равенства треугольников; Равнобедренный "
               "треугольник; Параллельные прямые; Сумма углов треугольника; Прямоугольный треугольник; Окружность и круг; "
               "Многоугольники; Параллелограмм; Трапеция; Площадь многоугольника; Теорема Пифагора; Подобные треугольники; "
               "Вписанные и центральные углы; Векторы; Метод координат; Правильные многоугольники"),
        (10, 11, "Аксиомы стереометрии; Параллельность прямых и плоскостей; Скрещивающиеся прямые; Перпендикулярность прямой и "
                 "плоскости; Двугранный угол; Многогранники; Призма; Пирамида; Координаты в пространстве; Цилиндр; Конус; Шар и "
                 "сфера; Объёмы тел")),
    "probability": ((7, 11, "Представление данных в таблицах; Столбиковые и круговые диаграммы; Среднее арифметическое и "
                            "медиана; Размах и дисперсия; Случайные события; Вероятность события; Графы; Перестановки; "
                            "Сочетания; Геометрическая вероятность; Испытания Бернулли; Случайная величина"),),
    "russian": (
        (1, 4, "Звуки и буквы; Гласные и согласные звуки; Слог и ударение; Перенос слов; Правописание жи—ши, ча—ща, чу—щу; "
               "Заглавная буква в именах собственных; Парные звонкие и глухие согласные; Безударные гласные в корне; "
               "Разделительный мягкий знак; Состав слова; Имя существительное; Падежи имён существительных; Имя прилагательное; "
               "Местоимение; Глагол; Время глаголов; Спряжение глаголов; Предложение; Главные члены предложения; Однородные члены "
               "предложения"),
        (5, 9, "Язык и общение; Фонетика и орфоэпия; Морфемика и словообразование; Правописание приставок; Буквы о—ё после "
               "шипящих; Имя существительное; Склонение имён существительных; Имя прилагательное; Н и НН в прилагательных; Глагол; "
               "Правописание личных окончаний глаголов; Причастие; Причастный оборот; Деепричастие; Наречие; НЕ с разными частями "
               "речи; Служебные части речи; Словосочетание; Простое предложение; Обособленные члены предложения; Сложносочинённое "
               "предложение; Сложноподчинённое предложение; Бессоюзное сложное предложение"),
        (10, 11, "Язык как система; Лексика и фразеология; Орфоэпические нормы; Лексические нормы; Морфологические нормы; "
                 "Синтаксические нормы; Правописание корней; Правописание суффиксов; Н и НН в разных частях речи; Слитное и "
                 "раздельное написание НЕ; Пунктуация в сложном предложении; Текст и его строение; Стили речи; "
                 "Сочинение-рассуждение")),
    "reading": ((1, 4, "Устное народное творчество; Русские народные сказки; Загадки, пословицы и поговорки; А. С. Пушкин. "
                       "«Сказка о рыбаке и рыбке»; И. А. Крылов. Басни; Л. Н. Толстой. Рассказы для детей; Стихи русских поэтов "
                       "о природе; К. Д. Ушинский. Рассказы; Н. Н. Носов. «Живая шляпа»; С. Я. Маршак. Стихи; В. В. Бианки. "
                       "«Лесные домишки»; С. А. Есенин. «Берёза»; К. Г. Паустовский. «Тёплый хлеб»; Х. К. Андерсен. «Гадкий "
                       "утёнок»; В. Ю. Драгунский. «Денискины рассказы»; Внеклассное чтение"),),
    "literature": (
        (5, 7, "Мифы Древней Греции; Русские народные сказки; Былины; И. А. Крылов. Басни; А. С. Пушкин. «Сказка о мёртвой "
               "царевне»; М. Ю. Лермонтов. «Бородино»; Н. В. Гоголь. «Ночь перед Рождеством»; И. С. Тургенев. «Муму»; Н. А. "
               "Некрасов. «Крестьянские дети»; Л. Н. Толстой. «Кавказский пленник»; А. П. Чехов. Рассказы; А. С. Пушкин. "
               "«Дубровский»; Н. В. Гоголь. «Тарас Бульба»; Поэзия о Великой Отечественной войне"),
        (8, 9, "Древнерусская литература; «Слово о полку Игореве»; Д. И. Фонвизин. «Недоросль»; А. С. Пушкин. «Капитанская дочка»; "
               "М. Ю. Лермонтов. «Мцыри»; Н. В. Гоголь. «Ревизор»; Н. М. Карамзин. «Бедная Лиза»; А. С. Грибоедов. «Горе от ума»; "
               "А. С. Пушкин. «Евгений Онегин»; М. Ю. Лермонтов. «Герой нашего времени»; Н. В. Гоголь. «Мёртвые души»; М. А. "
               "Шолохов. «Судьба человека»"),
        (10, 11, "А. Н. Островский. «Гроза»; И. А. Гончаров. «Обломов»; И. С. Тургенев. «Отцы и дети»; Лирика Ф. И. Тютчева; "
                 "Лирика А. А. Фета; Н. А. Некрасов. «Кому на Руси жить хорошо»; Ф. М. Достоевский. «Преступление и наказание»; "
                 "Л. Н. Толстой. «Война и мир»; А. П. Чехов. «Вишнёвый сад»; Поэзия Серебряного века; А. А. Блок. «Двенадцать»; "
                 "М. А. Булгаков. «Мастер и Маргарита»; М. А. Шолохов. «Тихий Дон»")),
    "english": (
        (2, 4, "Английский алфавит; Приветствие и знакомство; Цвета; Числа от 1 до 20; Моя семья; Животные; Игрушки; Части тела; "
               "Одежда; Еда и напитки; Мой дом; Который час?; Погода; Глагол can; Present Simple; Множественное число "
               "существительных"),
        (5, 9, "Моя семья и друзья; Мой день; Школьная жизнь; Еда и покупки; Хобби и увлечения; Спорт; Путешествия; Великобритания "
               "и Россия; Праздники и традиции; Present Simple и Present Continuous; Past Simple; Future Simple; Present Perfect; "
               "Степени сравнения прилагательных; Модальные глаголы; Страдательный залог; Косвенная речь; Письмо другу"),
        (10, 11, "Молодёжь в современном обществе; Выбор профессии; Наука и технологии; Окружающая среда; Здоровый образ жизни; "
                 "Средства массовой информации; Культура и искусство; Условные предложения; Сложное дополнение; Неличные формы "
                 "глагола; Эссе с элементами рассуждения; Аудирование: формат ЕГЭ")),
    "history": (
        (5, 5, "Первобытные люди; Древний Египет; Древняя Месопотамия; Финикия и Палестина; Древняя Индия и Китай; Древняя Греция; "
               "Афины и Спарта; Греко-персидские войны; Александр Македонский; Древний Рим; Пунические войны; Римская империя"),
        (6, 6, "Падение Западной Римской империи; Франкское государство; Византия; Арабский халифат; Восточные славяне; "
               "Образование Древнерусского государства; Крещение Руси; Ярослав Мудрый; Политическая раздробленность Руси; "
               "Монгольское нашествие; Александр Невский; Возвышение Москвы; Куликовская битва"),
        (7, 8, "Великие географические открытия; Реформация; Иван IV Грозный; Смутное время; Первые Романовы; Церковный раскол; "
               "Пётр I и его реформы; Северная война; Эпоха дворцовых переворотов; Екатерина II; Эпоха Просвещения; Промышленный "
               "переворот; Война за независимость США; Французская революция"),
        (9, 9, "Александр I; Отечественная война 1812 года; Восстание декабристов; Николай I; Крымская война; Великие реформы "
               "Александра II; Отмена крепостного права; Александр III; Промышленность и общество XIX века; Культура России XIX "
               "века"),
        (10, 11, "Первая мировая война; Революция 1917 года; Гражданская война; НЭП; Индустриализация и коллективизация; Вторая "
                 "мировая война; Великая Отечественная война; Сталинградская битва; Послевоенное восстановление; «Оттепель»; "
                 "Холодная война; Распад СССР; Россия в 1990-е годы; Россия в XXI веке")),
    "social": ((6, 11, "Человек и общество; Деятельность человека; Личность и её социализация; Семья; Образование; Экономика и "
                       "её роль в жизни общества; Спрос и предложение; Рынок и конкуренция; Государство; Конституция Российской "
                       "Федерации; Права и свободы человека; Гражданское право; Трудовое право; Политика и власть; Социальная "
                       "структура общества; Духовная культура"),),
    "geography": (
        (5, 6, "Как люди открывали Землю; Земля во Вселенной; План местности; Географическая карта; Градусная сеть; Литосфера; "
               "Рельеф Земли; Гидросфера; Мировой океан; Реки и озёра; Атмосфера; Погода и климат; Биосфера; Природные зоны"),
        (7, 9, "Материки и океаны; Африка; Австралия; Южная Америка; Северная Америка; Евразия; Географическое положение России; "
               "Рельеф и полезные ископаемые России; Климат России; Внутренние воды России; Природные зоны России; Население "
               "России; Хозяйство России; Урал; Западная Сибирь"),
        (10, 11, "Политическая карта мира; Природные ресурсы мира; Население мира; Мировое хозяйство; География промышленности; "
                 "География сельского хозяйства; Транспорт; Глобальные проблемы человечества; Регионы мира; Россия в современном "
                 "мире")),
    "biology": (
        (5, 7, "Биология — наука о живой природе; Клетка; Царства живой природы; Бактерии; Грибы; Растения; Строение цветкового "
               "растения; Корень; Побег и лист; Цветок и плод; Фотосинтез; Многообразие растений; Простейшие; Черви; Моллюски; "
               "Членистоногие"),
        (8, 9, "Рыбы; Земноводные; Пресмыкающиеся; Птицы; Млекопитающие; Организм человека; Опорно-двигательная система; Кровь и "
               "кровообращение; Дыхание; Пищеварение; Обмен веществ; Нервная система; Органы чувств; Основы генетики"),
        (10, 11, "Химический состав клетки; Строение клетки; Обмен веществ и энергии; Деление клетки; Размножение организмов; "
                 "Закономерности наследственности; Изменчивость; Эволюционное учение; Естественный отбор; Происхождение человека; "
                 "Экосистемы; Биосфера")),
    "physics": (
        (7, 8, "Физика и физические методы изучения природы; Строение вещества; Механическое движение; Скорость; Масса и "
               "плотность; Сила; Давление; Закон Паскаля; Архимедова сила; Работа и мощность; Простые механизмы; Тепловые явления; "
               "Количество теплоты; Электрический ток; Закон Ома для участка цепи; Магнитные явления; Световые явления"),
        (9, 11, "Законы Ньютона; Закон всемирного тяготения; Импульс; Закон сохранения энергии; Механические колебания; "
                "Механические волны; Молекулярно-кинетическая теория; Газовые законы; Термодинамика; Электростатика; Постоянный "
                "ток; Магнитное поле; Электромагнитная индукция; Строение атома; Ядерные реакции")),
    "chemistry": (
        (8, 9, "Предмет химии; Атомы и молекулы; Химические формулы; Валентность; Химические реакции; Закон сохранения массы "
               "веществ; Кислород; Водород; Вода; Растворы; Оксиды; Основания; Кислоты; Соли; Периодический закон Д. И. "
               "Менделеева; Строение атома; Химическая связь; Электролитическая диссоциация; Окислительно-восстановительные "
               "реакции"),
        (10, 11, "Теория строения органических соединений; Алканы; Алкены; Алкины; Арены; Спирты; Альдегиды; Карбоновые кислоты; "
                 "Жиры; Углеводы; Амины; Белки; Полимеры; Скорость химической реакции; Химическое равновесие")),
    "informatics": ((7, 11, "Информация и информационные процессы; Измерение информации; Двоичный код; Системы счисления; "
                            "Устройство компьютера; Файлы и папки; Текстовый редактор; Компьютерная графика; Электронные "
                            "таблицы; Алгоритмы и исполнители; Ветвления; Циклы; Программирование на Python; Массивы; Базы "
                            "данных; Компьютерные сети; Информационная безопасность"),),
    "world": ((1, 4, "Природа и человек; Неживая и живая природа; Растения вокруг нас; Животные и их разнообразие; Времена года; "
                     "Человек и его здоровье; Правила безопасности на дороге; Наша Родина — Россия; Москва — столица России; "
                     "Родной край; Вода и воздух; Природные зоны России; Солнечная система; Страницы истории России; Экология и "
                     "охрана природы"),),
    "orkse": ((4, 4, "Россия — наша Родина; Культура и мораль; Добро и зло; Долг и совесть; Честь и достоинство; Дружба; Семья и "
                     "семейные ценности; Праздники народов России; Труд и ответственность; Любовь к Родине"),),
    "odnkr": ((5, 6, "Наш дом — Россия; Язык и культура; Традиции народов России; Семья — хранитель духовных ценностей; "
                     "Праздники в культуре народов России; Памятники архитектуры; Человек и труд; Милосердие и взаимопомощь; "
                     "Культурное наследие"),),
    "art": ((1, 7, "Рисунок с натуры; Цвет и его свойства; Осенний пейзаж; Натюрморт; Портрет; Декоративно-прикладное искусство; "
                   "Гжель и Хохлома; Дымковская игрушка; Орнамент; Перспектива; Книжная иллюстрация; Архитектура; Скульптура; "
                   "Плакат"),),
    "music": ((1, 8, "Музыка вокруг нас; Песня, танец и марш; Музыкальные инструменты; Русская народная музыка; П. И. "
                     "Чайковский. «Детский альбом»; Музыка в театре; Опера и балет; Симфонический оркестр; М. И. Глинка; С. В. "
                     "Рахманинов; Музыка и кино; Современная музыка"),),
    "technology": ((1, 9, "Материалы и инструменты; Работа с бумагой и картоном; Аппликация; Работа с тканью; Обработка "
                          "древесины; Обработка металла; Основы черчения; Кулинария; Робототехника; 3D-моделирование; Проектная "
                          "деятельность; Мир профессий"),),
    "pe": ((1, 11, "Инструктаж по технике безопасности; Строевые упражнения; Бег на короткие дистанции; Прыжки в длину с места; "
                   "Метание мяча; Эстафеты; Подвижные игры; Гимнастика; Акробатика; Лазание по канату; Баскетбол: ведение мяча; "
                   "Волейбол: передача мяча; Футбол; Лыжная подготовка; Развитие выносливости; Общая физическая подготовка"),),
    "obzr": ((8, 11, "Безопасность в повседневной жизни; Правила дорожного движения; Пожарная безопасность; Безопасность в быту; "
                     "Чрезвычайные ситуации природного характера; Чрезвычайные ситуации техногенного характера; Первая помощь; "
                     "Здоровый образ жизни; Основы обороны государства; Воинская обязанность; Информационная безопасность; "
                     "Противодействие терроризму"),),
    "project": ((10, 11, "Что такое проект; Выбор темы проекта; Цель и задачи проекта; Работа с источниками; Планирование "
                         "работы; Методы исследования; Сбор материала; Оформление проекта; Подготовка презентации; Защита "
                         "проекта"),),
}

# Homework by family (a «_primary» entry for grades 1–4 where it differs): {para} a paragraph,
# {ex} {ex2} {ex3} exercises, {page} {page2} pages, {n} {n2} small numbers — all moving on with the page.
TEXTBOOK = ("§{para}, вопросы 1–3", "§{para}, пересказ", "§{para}, выписать термины в тетрадь")
EXERCISES = ("§{para}, № {ex}, {ex2}, {ex3}", "№ {ex}, {ex2}")
CREATIVE = ("Принести материалы к уроку", "Закончить работу", "Подготовить сообщение")
HOMEWORK: dict[str, tuple[str, ...]] = {
    "math_primary": ("С. {page}, № {n}, {n2}", "С. {page}, задача {n}"),
    "math": EXERCISES, "algebra": EXERCISES, "probability": EXERCISES,
    "geometry": ("П. {para}, задачи № {ex}, {ex2}", "П. {para}, выучить теорему, № {ex}"),
    "russian_primary": ("Упр. {n}, с. {page}", "Выучить правило, с. {page}, упр. {n}"),
    "russian": ("Упр. {ex}", "§{para}, упр. {ex}", "Выучить правило, упр. {ex}, {ex2}"),
    "reading": ("С. {page}–{page2}, выразительное чтение", "Выучить отрывок наизусть", "Пересказ, с. {page}–{page2}"),
    "literature": ("Прочитать главы {n}–{n2}", "Выучить отрывок наизусть", "Ответить на вопросы, с. {page}"),
    "english": ("Упр. {n}, с. {page}", "Выучить слова, с. {page}", "Рабочая тетрадь, с. {page2}, упр. {n2}"),
    "geography": ("§{para}, контурная карта", "§{para}, вопросы 1–4"),
    "physics": ("§{para}, упр. {n} (1, 2)", "§{para}, задачи № {ex}, {ex2}"),
    "chemistry": ("§{para}, упр. {n}", "§{para}, уравнения реакций, с. {page}"),
    "world": ("С. {page}–{page2}, ответить на вопросы", "Рабочая тетрадь, с. {n}"),
    "pe": ("Комплекс утренней гимнастики", "Упражнения на гибкость"),
    "project": ("Составить план проекта", "Собрать материал по теме проекта"),
    "art": CREATIVE, "music": CREATIVE, "technology": CREATIVE,
}
NO_HOMEWORK = {"pe": 0.5, "music": 0.3, "art": 0.3, "technology": 0.3, "project": 0.2, "obzr": 0.1}
NO_HOMEWORK_OTHERS, NO_HOMEWORK_AFTER_WORK = 0.02, 0.1

# The larger pieces of work of a family, in turn (work-kind codes), and their topics.
WORK_KINDS = {
    "russian": ("test", "dictation", "quiz"), "literature": ("essay", "test"), "physics": ("test", "lab"),
    "chemistry": ("test", "practical"), "biology": ("quiz", "lab"), "geography": ("quiz", "practical"),
    "math": ("test", "quiz"), "algebra": ("test", "quiz"), "geometry": ("test", "quiz"), "probability": ("test", "quiz"),
    "pe": ("practical",), "art": ("practical",), "music": ("quiz",), "technology": ("practical",), "project": ("practical",),
}
OTHER_WORK_KINDS = ("quiz", "test")
WORK_TOPICS = {
    "test": "Контрольная работа № {number}", "dictation": "Словарный диктант", "essay": "Сочинение по изученным произведениям",
    "quiz": "Проверочная работа по теме «{topic}»", "lab": "Лабораторная работа № {number}",
    "practical": "Практическая работа по теме «{topic}»",
    ("russian", "test"): "Контрольный диктант № {number} с грамматическим заданием",
    ("pe", "practical"): "Контрольные нормативы: {topic}",
}
DOUBLE_MARKED = ("russian", "test")  # a dictation with a grammar task: two marks, «4/5»


@dataclass
class PageFacts:
    info: PageInfo
    family: str
    graded: bool
    scale: GradeScale
    lessons: list[LessonRow] = field(default_factory=list)


@dataclass
class LessonRow:
    id: int
    page_id: int
    day: date
    number: int | None
    teacher_id: int | None
    students: list[int] = field(default_factory=list)  # on the page's roster that day
    kind: JournalWorkKind | None = None
    larger_work: bool = False  # a контрольная or the like: everyone present gets a mark
    topic: str = ""
    homework: str = ""
    homework_due: date | None = None
    no_homework: bool = False
    filled_at: datetime | None = None

    @property
    def work_kind(self) -> JournalWorkKind:
        assert self.kind is not None, "a lesson's kind is chosen before it is written"
        return self.kind


@dataclass
class Seeded:
    """How many rows the demo wrote (lessons filled, attendance entries, marks, history rows)."""

    lessons: int = 0
    attendance: int = 0
    marks: int = 0
    history: int = 0


async def seed_journal(platform: Any, session: AsyncSession, school: School, rng: random.Random,
                       today: date | None = None) -> Seeded:
    """Fill the demo school's lessons of the current year up to yesterday (the school's; in the
    summer, the whole year just ended). Today's lessons exist but wait for their teachers."""
    today = today or school_today(school.timezone)
    in_year_today = today
    year = await session.scalar(select(AcademicYear).where(AcademicYear.school_id == school.id, AcademicYear.starts_on <= today)
                                .order_by(AcademicYear.starts_on.desc()).limit(1))
    if year is None:
        return Seeded()
    today = min(today, year.ends_on)
    await ensure_defaults(session, school.id)
    await ensure_synced(session, school.id, today)
    if today == in_year_today:
        today -= timedelta(days=1)
    rules = await load_rules(session, school.id)
    data = await load_timetable(session, school.id, year.starts_on, year.ends_on)
    pages = await _pages(platform, session, school, rules, data, year, today)
    lessons = [lesson for page in pages.values() for lesson in page.lessons]
    levels = {student: rng.choices(LEVELS, weights=[level.share for level in LEVELS])[0]
              for student in sorted({student for lesson in lessons for student in lesson.students})}
    codes = _attendance(rng, lessons, levels)
    shares = {level: _year_share(data, year, today, level) for level in {page.info.grade_level for page in pages.values()}}
    _fill_lessons(rng, pages, rules, _next_lesson_days(data, today), shares, today, ZoneInfo(school.timezone))
    absent = {seat for seat, code in codes.items() if _is_absence(rules, code)}
    marks = _marks(rng, pages, rules, levels, absent, shares)
    return await _write(session, school.id, lessons, codes, marks)


# ---- what the demo needs to know ---------------------------------------------------------------


async def _pages(platform: Any, session: AsyncSession, school: School, rules: JournalRules, data: TimetableData,
                 year: AcademicYear, today: date) -> dict[int, PageFacts]:
    """The pages with active lessons up to today: their family, scale, whether they take marks
    (checked once a page), and each lesson's students."""
    rows = (await session.execute(select(
        JournalLesson.id, JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.number, JournalLesson.teacher_id)
        .where(JournalLesson.school_id == school.id, JournalLesson.academic_year_id == year.id,
               JournalLesson.state == "active", JournalLesson.day <= today)
        .order_by(JournalLesson.subject_page_id, JournalLesson.day, JournalLesson.number, JournalLesson.id))).all()
    page_rows = {page.id: page for page in (await session.execute(select(SubjectPage).where(
        SubjectPage.id.in_({row.subject_page_id for row in rows} or {0})))).scalars()}
    subjects = {subject.id: subject for subject in (await session.execute(
        select(Subject).where(Subject.school_id == school.id))).scalars()}
    pages: dict[int, PageFacts] = {}
    for row in rows:
        if row.subject_page_id not in pages:
            page, info = page_rows[row.subject_page_id], data.pages[row.subject_page_id]
            pages[page.id] = PageFacts(
                info, family_of(info.subject), not await is_ungraded(session, page, info.grade_level, today),
                scale_for(platform, rules, school, subjects[page.subject_id], info.grade_level))
        pages[row.subject_page_id].lessons.append(LessonRow(*row))
    for page_id, page in pages.items():
        roster = await page_roster(session, page_rows[page_id], page.lessons[0].day, today)
        for lesson in page.lessons:
            lesson.students = sorted(line.student_id for line in on_day(roster, lesson.day))
    return pages


def family_of(subject: str) -> str:
    name = subject.casefold()
    return next((family for word, family in FAMILIES if word in name), "other")


def programme(family: str, grade_level: int) -> tuple[list[str], int]:
    """The family's topics for the grade level (the nearest band's when none covers it), and where
    the grade level starts in them: each grade of a band further on."""
    first, last, text = min(TOPICS.get(family, ()), key=lambda band: max(band[0] - grade_level, grade_level - band[1], 0),
                            default=(grade_level, grade_level, FALLBACK_TOPICS))
    topics = [topic.strip() for topic in text.split(";")]
    return topics, (min(max(grade_level, first), last) - first) * len(topics) // (last - first + 1)


def _year_share(data: TimetableData, year: AcademicYear, today: date, grade_level: int) -> float:
    """The part of the grade level's lesson days that is behind us (today included)."""
    days = [year.starts_on + timedelta(days=n) for n in range((year.ends_on - year.starts_on).days + 1)]
    studied = [day for day in days if data.studies_on(day, grade_level)]
    return sum(day <= today for day in studied) / len(studied) if studied else 0.0


def _is_absence(rules: JournalRules, code: str) -> bool:
    found = rules.code(code)
    return found is not None and found.is_absence


# ---- attendance --------------------------------------------------------------------------------


def _attendance(rng: random.Random, lessons: list[LessonRow],
                levels: dict[int, Level]) -> dict[tuple[int, int], str]:
    """(lesson id, student id) → code, for those not simply present."""
    timetable: dict[int, list[tuple[date, int, int]]] = {}
    for lesson in lessons:
        for student in lesson.students:
            timetable.setdefault(student, []).append((lesson.day, lesson.number or 0, lesson.id))
    codes = {}
    for student in sorted(timetable):
        own = sorted(timetable[student])
        away = _days_away(rng, sorted({day for day, _number, _id in own}))
        for index, (day, _number, lesson_id) in enumerate(own):
            first = index == 0 or own[index - 1][0] != day
            code = away.get(day) or _lesson_code(rng, levels[student].skipping, first)
            if code:
                codes[(lesson_id, student)] = code
    return codes


def _days_away(rng: random.Random, days: list[date]) -> dict[date, str]:
    """A student's days away: illnesses of a few school days in a row, a family day now and then."""
    frailty = rng.uniform(0.4, 1.6)
    away: dict[date, str] = {}
    index = 0
    while index < len(days):
        draw = rng.random()
        if draw < ILLNESS_START * frailty:
            length = rng.randint(*ILLNESS_DAYS)
            away.update((day, "Б") for day in days[index:index + length])
            index += length
            continue
        if draw < ILLNESS_START * frailty + FAMILY_DAY:
            away[days[index]] = "У"
        index += 1
    return away


def _lesson_code(rng: random.Random, skipping: float, first: bool) -> str:
    draw = rng.random()
    if draw < SKIPPED * skipping:
        return "Н"
    return "ОП" if first and draw < SKIPPED * skipping + LATE_FIRST else ""


# ---- topics, homework, kinds of work, when filled ----------------------------------------------


def _fill_lessons(rng: random.Random, pages: dict[int, PageFacts], rules: JournalRules, after_today: dict[int, date],
                  shares: dict[int, float], today: date, zone: ZoneInfo) -> None:
    """Each page's lessons in order: the programme spread over the year, a larger piece of work
    every WORK_EVERY lessons, homework due at the page's next lesson."""
    kinds = {kind.code: kind for kind in rules.active_kinds}
    for page_id in sorted(pages):
        page = pages[page_id]
        topics, start = programme(page.family, page.info.grade_level)
        year_lessons = len(page.lessons) / max(shares.get(page.info.grade_level, 1.0), 0.01)
        per_topic = max(1.0, year_lessons / len(topics))  # the programme spread over the year
        templates = HOMEWORK.get(f"{page.family}_primary" if page.info.grade_level <= 4 else page.family) \
            or HOMEWORK.get(page.family, TEXTBOOK)
        work_kinds = WORK_KINDS.get(page.family, OTHER_WORK_KINDS)
        first_work = rng.randrange(3, 3 + WORK_EVERY)
        taught = works = 0
        due = _next_days(page.lessons, after_today.get(page_id))
        for index, lesson in enumerate(page.lessons):
            current = min(int(taught / per_topic), len(topics) - 1)
            position = (start + current) % len(topics)
            lesson.larger_work = index >= first_work and (index - first_work) % WORK_EVERY == 0
            if lesson.larger_work:
                code = work_kinds[works % len(work_kinds)]
                template = WORK_TOPICS.get((page.family, code)) or WORK_TOPICS[code]
                lesson.topic = template.format(number=works // len(work_kinds) + 1, topic=topics[position])
                works += 1
            else:
                code = rng.choices([kind for kind, _weight in REGULAR_KINDS], weights=[w for _kind, w in REGULAR_KINDS])[0]
                closing = per_topic >= 3 and int((taught + 1) / per_topic) != current
                lesson.topic = f"Обобщение по теме «{topics[position]}»" if closing else topics[position]
                taught += 1
            lesson.kind = kinds.get(code) or rules.default_kind
            no_homework = NO_HOMEWORK.get(page.family, NO_HOMEWORK_OTHERS) + NO_HOMEWORK_AFTER_WORK * lesson.larger_work
            if rng.random() < no_homework:
                lesson.no_homework = True
            else:
                lesson.homework = _homework(rng, templates, position, taught)
                lesson.homework_due = due[index]
            lesson.filled_at = _filled_at(rng, lesson.day, page.info.shift, today, zone)


def _next_days(lessons: list[LessonRow], after: date | None) -> list[date | None]:
    """For each lesson of a page (in order), the day of the page's next lesson on a later day."""
    found: list[date | None] = []
    following, later = after, None  # later: the day of the lesson after this one
    for lesson in reversed(lessons):
        if later is not None and lesson.day < later:
            following = later
        found.append(following)
        later = lesson.day
    return found[::-1]


def _next_lesson_days(data: TimetableData, today: date) -> dict[int, date]:
    """Each page's first lesson after today (for the homework of its last lessons)."""
    found: dict[int, date] = {}
    for offset in range(1, HOMEWORK_SEARCH.days + 1):
        day = today + timedelta(days=offset)
        for lesson in data.lessons_on(day):
            if lesson.given:
                found.setdefault(lesson.page.id, day)
    return found


def _homework(rng: random.Random, templates: tuple[str, ...], topic: int, taught: int) -> str:
    exercise, page = 8 + 4 * taught + rng.randrange(4), 6 + 2 * taught
    return rng.choice(templates).format(para=topic + 1, ex=exercise, ex2=exercise + 2, ex3=exercise + 5, page=page,
                                        page2=page + 3, n=1 + taught % 9, n2=3 + taught % 9)


def _filled_at(rng: random.Random, day: date, shift: int, today: date, zone: ZoneInfo) -> datetime:
    """After the day's lessons (the second shift's end later); now and then a day or more late."""
    if rng.random() < FILLED_LATE:
        later = day + timedelta(days=rng.randint(1, 3))
        if later <= today:
            return _moment(later, time(15, 0), rng.randrange(360), zone)
    return _moment(day, time(14, 0) if shift == 1 else time(18, 40), rng.randrange(150 if shift == 1 else 60), zone)


def _moment(day: date, start: time, minutes: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, start, tzinfo=zone) + timedelta(minutes=minutes)
    return local.astimezone(timezone.utc)


# ---- marks -------------------------------------------------------------------------------------


def _marks(rng: random.Random, pages: dict[int, PageFacts], rules: JournalRules,
           levels: dict[int, Level], absent: set[tuple[int, int]],
           shares: dict[int, float]) -> list[tuple[LessonRow, int, str]]:
    """(lesson, student, mark) on the pages that take marks, for those present: at every larger
    piece of work, and at other lessons by a chance that gives each student about MARKS_PER_YEAR
    marks a year (the year's share gone so far)."""
    graded = [pages[page_id] for page_id in sorted(pages) if pages[page_id].graded]
    at_work: dict[int, int] = {}
    at_others: dict[int, int] = {}
    grade_of: dict[int, int] = {}
    for page in graded:
        for lesson in page.lessons:
            for student in lesson.students:
                if (lesson.id, student) not in absent:
                    counted = at_work if lesson.larger_work else at_others
                    counted[student] = counted.get(student, 0) + 1
                    grade_of[student] = page.info.grade_level
    chance = {student: (MARKS_PER_YEAR * shares[level] - at_work.get(student, 0)) / at_others[student]
              if at_others.get(student) else 0.0 for student, level in grade_of.items()}
    marks = []
    for page in graded:
        for lesson in page.lessons:
            double = rules.allow_double_marks and page.scale.allows_double \
                and (page.family, lesson.work_kind.code) == DOUBLE_MARKED
            for student in lesson.students:
                if (lesson.id, student) in absent or not (lesson.larger_work or rng.random() < chance[student]):
                    continue
                marks.append((lesson, student, _mark(rng, levels[student].chances, page.scale, double)))
    return marks


def _mark(rng: random.Random, chances: tuple[int, ...], scale: GradeScale, double: bool) -> str:
    """A mark of the student's level; on a scale other than five points, mostly a passing one."""
    if scale.marks[:len(FIVE_POINT_MARKS)] != FIVE_POINT_MARKS:
        passing = [mark for mark in scale.marks if mark in scale.passing]
        failing = [mark for mark in scale.marks if mark not in scale.passing]
        return rng.choice(failing if failing and rng.random() < 0.05 else passing or list(scale.marks))
    single = [rng.choices(FIVE_POINT_MARKS, weights=chances)[0] for _part in range(2 if double else 1)]
    return "/".join(single)


# ---- writing -----------------------------------------------------------------------------------


async def _write(session: AsyncSession, school_id: int, lessons: list[LessonRow], codes: dict[tuple[int, int], str],
                 marks: list[tuple[LessonRow, int, str]]) -> Seeded:
    """Everything in bulk, with a history row for each value written."""
    table = JournalLesson.__table__
    if lessons:
        await session.execute(table.update().where(table.c.id == bindparam("lesson_id")), [
            {"lesson_id": lesson.id, "topic": lesson.topic, "homework": lesson.homework, "homework_due": lesson.homework_due,
             "no_homework": lesson.no_homework, "work_kind_id": lesson.work_kind.id,
             "created_by": lesson.teacher_id, "filled_at": lesson.filled_at, "updated_at": lesson.filled_at}
            for lesson in lessons])
    for row in list(session.identity_map.values()):  # rows the sync loaded no longer hold what the database does
        if isinstance(row, JournalLesson):
            session.expire(row)
    history = [entry for lesson in lessons for entry in _lesson_history(school_id, lesson)]
    by_id = {lesson.id: lesson for lesson in lessons}
    seats = sorted(codes)
    attendance_ids = await _insert(session, JournalAttendance, school_id, [
        {"school_id": school_id, "lesson_id": lesson_id, "student_id": student, "code": codes[(lesson_id, student)],
         "reason": "", "updated_by": by_id[lesson_id].teacher_id, "updated_at": by_id[lesson_id].filled_at, "version": 1}
        for lesson_id, student in seats])
    history += [_history(school_id, by_id[lesson_id], "attendance", "code", codes[(lesson_id, student)], student,
                         attendance_ids[(lesson_id, student)]) for lesson_id, student in seats]
    grade_ids = await _insert(session, JournalGrade, school_id, [
        {"school_id": school_id, "lesson_id": lesson.id, "student_id": student, "mark": mark,
         "work_kind_id": lesson.work_kind.id, "weight_hundredths": lesson.work_kind.weight_hundredths,
         "created_by": lesson.teacher_id, "created_at": lesson.filled_at, "updated_by": lesson.teacher_id,
         "updated_at": lesson.filled_at, "version": 1} for lesson, student, mark in marks])
    history += [_history(school_id, lesson, "grade", "mark", f"{mark} ({lesson.work_kind.name})", student,
                         grade_ids[(lesson.id, student)]) for lesson, student, mark in marks]
    if history:
        await session.execute(JournalHistory.__table__.insert(), history)
    await session.flush()
    return Seeded(lessons=len(lessons), attendance=len(seats), marks=len(grade_ids), history=len(history))


async def _insert(session: AsyncSession, model: type[JournalAttendance] | type[JournalGrade], school_id: int,
                  rows: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """Insert the rows; their ids by (lesson, student), read back in one select (one row a seat)."""
    if not rows:
        return {}
    await session.execute(model.__table__.insert(), rows)
    found = await session.execute(select(model.id, model.lesson_id, model.student_id).where(model.school_id == school_id))
    return {(lesson_id, student): row_id for row_id, lesson_id, student in found.all()}


def _lesson_history(school_id: int, lesson: LessonRow) -> list[dict[str, Any]]:
    """What the teacher entered, as the lesson page records it (values as ``history`` shows them)."""
    values = [("topic", lesson.topic), ("homework", lesson.homework or None),
              ("homework_due", lesson.homework_due.strftime("%d.%m.%Y") if lesson.homework_due else None),
              ("no_homework", "1" if lesson.no_homework else None), ("work_kind", lesson.work_kind.name)]
    return [_history(school_id, lesson, "lesson", name, value) for name, value in values if value]


def _history(school_id: int, lesson: LessonRow, record: str, field_name: str, value: str, student: int | None = None,
             record_id: int | None = None) -> dict[str, Any]:
    return {"school_id": school_id, "lesson_id": lesson.id, "student_id": student, "record": record, "record_id": record_id,
            "field": field_name, "old_value": None, "new_value": value, "reason": "", "changed_by": lesson.teacher_id,
            "changed_at": lesson.filled_at}
