"""The job table as data: its columns and its rows, with no widget (and no Textual) in it.

``columns`` says which columns a table of a given width shows and how wide each is; ``rows``
turns job records into cells and keeps them diffed, sorted and filtered. The widget
(:mod:`jobtui.ui.widgets.jobs_table`) only draws what these hold.
"""
