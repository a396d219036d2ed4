"""Scripts the grader runs inside the sandbox, beside the student's code (they import nothing of the kit)."""
