"""HTTP routes, one module per concern, each exposing an `APIRouter` named `router`."""
