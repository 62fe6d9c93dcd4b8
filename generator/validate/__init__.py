"""Running the rule catalogue over workbooks: the report (`run`) and the annotated copies (`annotate`)."""
from generator.validate.run import (BookResult, Finding, Pending, Report, check_book, collect_paths,  # noqa: F401
                                    default_period, render_text, validate_paths, WRITERS)
