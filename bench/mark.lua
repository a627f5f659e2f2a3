-- wrk script for bench/run.py's j_mark row: every request saves one journal cell, as the grid does.
--
--   wrk -t T -c C -d 3s -s bench/mark.lua http://host:port -- CELLS COOKIE TOKEN RESULT T
--
-- CELLS is a file of "lesson_id student_id" lines, empty cells of lessons the signed-in teacher
-- gave. Thread i of T owns the lines i, i+T, ...; each request takes a cell of its own that no
-- other request has in flight and toggles it between "" and a mark, sending the text the cell
-- holds as `was`, so every save is a real write expected to answer 200. Connections of one
-- thread answer in any order, so the cell and its new text are read back from the answer
-- (`<td id="journal-cell-L-S" ...><input ... value="...">`, no value when empty; `data-was` first
-- when the input carries it), and only a 200 showing the cell moves it on; a cell whose save
-- failed stays out of the rotation. done() writes RESULT: counts of answers by status, then the
-- last known text of each cell saved at least once ("cell L S TEXT"; cells still in flight at
-- the end, or failed, are left out).

local MARK = "5"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(char) return string.format("%%%02X", string.byte(char)) end))
end

function init(args)
  local path, threads_count = args[1], tonumber(args[5] or "1")
  result_path = args[4]
  headers = {
    ["Cookie"] = args[2],
    ["x-csrftoken"] = args[3],
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true",
  }
  cells, queue, first, last = {}, {}, 1, 0
  statuses, in_flight, touched = {}, {}, {}
  local line_number = 0
  for line in io.lines(path) do
    local lesson, student = line:match("^(%d+) (%d+)$")
    if lesson and line_number % threads_count == index then
      local key = lesson .. "-" .. student
      cells[key] = ""
      last = last + 1
      queue[last] = key
    end
    line_number = line_number + 1
  end
end

function request()
  if first > last then
    error("j_mark: every cell is in flight or failed; give the script more cells")
  end
  local key = queue[first]
  queue[first] = nil
  first = first + 1
  local lesson, student = key:match("^(%d+)-(%d+)$")
  local was = cells[key]
  local value = was == "" and MARK or ""
  in_flight[key] = value
  headers["HX-Target"] = "journal-cell-" .. key
  return wrk.format("POST", "/journal/lessons/" .. lesson .. "/cells/" .. student, headers,
                    "value=" .. urlencode(value) .. "&was=" .. urlencode(was))
end

local function count(answer)
  statuses[answer] = (statuses[answer] or 0) + 1
end

function response(status, _headers, body)
  if status ~= 200 then
    count(status)
    return
  end
  local at, key = body:match('id="journal%-cell%-()(%d+%-%d+)"')
  local input = at and body:match("<input[^>]*>", at)
  local text = input and (input:match('%sdata%-was="([^"]*)"') or input:match('%svalue="([^"]*)"') or "")
  if not (key and text and in_flight[key]) then
    count("200 without the cell")
    return
  end
  count(text == in_flight[key] and 200 or "200 not showing the new text")
  in_flight[key] = nil
  touched[key] = true
  cells[key] = text
  last = last + 1
  queue[last] = key
end

function done(_summary, _latency, _requests)
  local out = assert(io.open(threads[1]:get("result_path"), "w"))
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      out:write("status ", tostring(status), " ", count, "\n")
    end
    local in_flight, touched = thread:get("in_flight"), thread:get("touched")
    for key, text in pairs(thread:get("cells")) do
      if touched[key] and not in_flight[key] then
        local lesson, student = key:match("^(%d+)-(%d+)$")
        out:write("cell ", lesson, " ", student, " ", text, "\n")
      end
    end
  end
  out:close()
end
