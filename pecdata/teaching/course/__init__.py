"""Running a cohort: prepare the participants' notebooks, check them, follow progress."""
