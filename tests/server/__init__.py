"""Tests of the central server, `cars_server`."""
