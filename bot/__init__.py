"""careerbot: sourced career advice about AI roles, for Discord and the terminal."""

__version__ = "0.1.0"
