"""The forms this workstation can fill in: shipped with the build, plus newer versions held in the store."""

from __future__ import annotations

from cars_desktop.domain.access import Permission, require
from cars_desktop.domain.audit import AuditEvent, AuditOperation
from cars_desktop.domain.errors import InvalidInput
from cars_desktop.forms.catalogue import FormCatalogue, parse_spec, shipped_catalogue
from cars_desktop.forms.spec import FormSpec
from cars_desktop.services.workstation import WorkstationSession
from cars_protocol.records import utc_now


def workstation_catalogue(session: WorkstationSession) -> FormCatalogue:
    """Shipped forms and every version received since, so old drafts and new versions both open."""
    with session.unit_of_work() as uow:
        held = uow.form_specs.all()
    extra = [parse_spec(body, f"store:{form_id}/v{version}") for form_id, version, body in held]
    return shipped_catalogue().with_extra(extra)


def receive_form_spec(session: WorkstationSession, raw: str) -> FormSpec:
    """Keep a new form version (from the central server, or installed by an administrator).

    The spec is validated before it is kept, and a version that already exists is never replaced:
    answers recorded against it must keep meaning what they meant.
    """
    require(session.actor, Permission.MANAGE_SETTINGS, "install form versions")
    spec = parse_spec(raw, "the new form file")
    try:
        shipped_catalogue().get(spec.id, spec.version)
    except InvalidInput:
        pass
    else:
        raise InvalidInput(f"version {spec.version} of the form {spec.id!r} already ships with this program")
    with session.unit_of_work() as uow:
        uow.form_specs.add(spec.id, spec.version, spec.model_dump_json(), utc_now())
        uow.audit(
            AuditEvent(
                AuditOperation.ADMINISTRATION,
                details={"action": "form_version_installed", "form": spec.id, "version": spec.version},
            )
        )
        uow.commit()
    return spec
