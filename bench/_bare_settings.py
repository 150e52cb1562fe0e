"""Settings for the scale group's server: the product's own, plus the baseline URL of ``_bare``."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "_bare"
