"""Offices, people, enrollments, duplicate cases and temporary certificates (Suket)."""
