"""The demo's analysis: filled in once the analysis services exist."""


def build_analysis(study) -> None:
    return None
