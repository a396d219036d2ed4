"""The course's grading pipeline on nbgrader: release, autograde, feedback, export, check, demo."""
