"""A small support-desk app, the worked example of conference-sim's app-in-the-loop mode."""
