"""Helpers shared by every app: dates and zones, date fields, spreadsheet cells, bulk SQL, the command base, PDF, pagination, client addresses. Imports no app of the project."""
