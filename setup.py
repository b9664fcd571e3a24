"""Package discovery only (all metadata is in pyproject.toml).

The top-level `resources/` folder is shipped as the package `cars_resources`, which declarative
discovery cannot express next to the found packages.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["cars_protocol*", "cars_desktop*", "cars_server*"]), "cars_resources"],
    package_dir={"cars_resources": "resources"},
)
