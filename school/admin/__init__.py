"""The admin's pages for staff accounts."""
