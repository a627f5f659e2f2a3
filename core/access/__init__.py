"""Roles, permissions, the route guard and object scope."""
