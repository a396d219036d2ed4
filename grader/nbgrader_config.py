# nbgrader configuration of the course kit: the one committed place for it.
# `python -m grader` writes course/nbgrader_config.py, which loads this file and adds the
# course root and each assignment's student-editable files (Autograde.exclude_overwriting).
c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads the file)

c.CourseDirectory.course_id = "needle"

# Per-cell time limit while grading. The slowest graded cell of the reference solutions takes
# a few seconds on a 2-core machine (docs/benchmarks.md); 30 s leaves a wide margin for a slow
# but correct submission, and an infinite loop loses only the cells that call it.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.error_on_timeout = {
    "ename": "CellTimeoutError",
    "evalue": "this cell ran past the time limit and was stopped",
    "traceback": [
        "CellTimeoutError: this cell ran past the time limit and was stopped. "
        "Look for a loop that never ends in the function it calls."
    ],
}

# Keep one student's output from flooding the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# Feedback shows grades and failure messages, never hidden test code or tracebacks through it.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grader.preprocessors.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Neither caches nor the instructor's samples travel with an assignment.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "samples.toml", "probes.py"]
