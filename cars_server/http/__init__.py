"""The HTTP edge: error bodies, request-body limits, the version gate and the access log.

All of it is plain ASGI middleware or FastAPI exception handlers installed by `create_app`, so
every refusal, from any layer, is the protocol's `ErrorBody`.
"""
