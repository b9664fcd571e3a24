"""Package data of CARS Desktop (installed as `cars_resources`): reference data, wording, icons."""
