"""Schoolpoort: every contact moment between school and family, on one grid."""

from school.app import create_app

__all__ = ["create_app"]
