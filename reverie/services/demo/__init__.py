"""The demo study: a showcase shaped like the reference study, built from text we wrote."""

from reverie.services.demo.builder import build_demo, is_demo

__all__ = ["build_demo", "is_demo"]
