"""inspection-qa: ask questions of inspection letters and reports, answered with checkable quotations."""

__version__ = "0.1.0"
