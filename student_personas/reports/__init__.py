"""HTML reports rendered from warehouse tables: pages are Jinja2 templates plus named SQL queries.

See :mod:`student_personas.reports.pages` for the page definition format and
:mod:`student_personas.reports.components` for what a template can show.
"""

from student_personas.reports.site import render_site

__all__ = ["render_site"]
