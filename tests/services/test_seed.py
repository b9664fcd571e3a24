"""Seeded casework is made of real forms: valid answers in realistic proportions, with the typed records
and actions completing those forms produces, deterministic for a seed and end date."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cars_desktop.config import KdfCost, Settings
from cars_desktop.forms.catalogue import shipped_catalogue
from cars_desktop.forms.computed import with_computed
from cars_desktop.forms.validation import validate
from cars_desktop.services.audit_check import verify_audit_log
from cars_desktop.services.form_projections import (
    PROJECTIONS,
    MemoryRecords,
    ProjectionContext,
    action_id,
    derive,
    derived_id,
)
from cars_desktop.services.seed import CaseworkGenerator, SeedReport, kpi_proportions, seed
from cars_desktop.services.seed_forms import GENERATORS, sample_answers
from cars_desktop.services.users import enrol_user
from cars_desktop.services.workstation import WorkstationSession, init_workstation, unlock
from cars_protocol.records import (
    Action,
    ActionType,
    Appointment,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Consent,
    CustodyEpisode,
    DrugTest,
    NaloxoneSupply,
    Person,
    RecordBase,
    Referral,
    Role,
)
from tests.conftest import ADMIN, ADMIN_PASSWORD, SITE, WORKER, WORKER_PASSWORD

END = date(2026, 6, 30)  # fixed, so every run (any day) checks the same data
PEOPLE = 200
DAYS = 30
RANDOM_SEED = 11
CATALOGUE = shipped_catalogue()
SAMPLES = 200


# -- the answer generators ------------------------------------------------------------------------


@pytest.mark.parametrize("form_id", sorted(GENERATORS))
def test_every_random_answer_set_completes_its_form(form_id: str) -> None:
    spec = CATALOGUE.latest(form_id)
    for index in range(SAMPLES):
        made = sample_answers(form_id, random.Random(index), END)
        problems = validate(spec, with_computed(spec, made.answers), completing=True, today=END)
        assert problems == [], f"{form_id} sample {index}: {[p.text for p in problems]}"


def _answered(form_id: str, samples: int = 400) -> set[str]:
    seen: set[str] = set()
    for index in range(samples):
        for key, value in sample_answers(form_id, random.Random(index), END).answers.items():
            seen.add(key)
            for entry in value if isinstance(value, list) else []:
                seen.update(f"{key}.{inner}" for inner in entry if isinstance(entry, dict))
    return seen


@pytest.mark.parametrize("form_id", sorted(GENERATORS))
def test_the_generators_reach_every_question_of_every_form(form_id: str) -> None:
    """Every skip-logic branch is taken somewhere, so the demo store shows every part of every form."""
    spec = CATALOGUE.latest(form_id)
    questions = {f.id for f in spec.all_fields() if f.type.value != "computed"} | {
        f"{f.id}.{inner.id}" for f in spec.all_fields() for inner in f.fields or []
    }
    assert questions - _answered(form_id) == set()


def _share(form_id: str, test: Any, given: Any = None, samples: int = 600) -> float:
    hits = total = 0
    for index in range(samples):
        answers = sample_answers(form_id, random.Random(index), END).answers
        if given is None or given(answers):
            total += 1
            hits += bool(test(answers))
    return hits / max(total, 1)


def _audit_c(answers: dict[str, Any]) -> int:
    return int(answers["audit_1"]) + int(answers["audit_2"]) + int(answers["audit_3"])


def test_branch_rates_are_realistic() -> None:
    assert 0.25 <= _share("lifestyle", lambda a: _audit_c(a) >= 5) <= 0.45
    opiates = {"heroin", "methadone_illicit", "buprenorphine_illicit", "other_opioids"}
    assert (
        0.15
        <= _share(
            "lifestyle",
            lambda a: a["injecting_status"] == "currently_injecting",
            given=lambda a: any(s["substance"] in opiates for s in a.get("substances", [])),
        )
        <= 0.35
    )
    stayed = _share("required_initial", lambda a: a.get("remained") == "yes")
    absent = _share("required_initial", lambda a: a["attended"] == "no")
    left = _share("required_initial", lambda a: a.get("remained") == "no")
    assert 0.78 <= stayed <= 0.92 and 0.05 <= absent <= 0.15 and 0.02 <= left <= 0.09
    assert 0.03 <= _share("vulnerability", lambda a: a["current_self_harm_thoughts"] == "yes") <= 0.1
    assert 0.08 <= _share("vulnerability", lambda a: a["da_disclosed"] == "yes") <= 0.25
    assert 0.02 <= _share("vulnerability", lambda a: a["exploitation_concern"] == "yes") <= 0.1


def test_kpi_proportions_of_a_large_in_memory_population() -> None:
    """DOMAIN.md §8: ~27% assessed, ~63% statutory, ~40% referred, ~40% of referrals enter treatment."""
    generator = CaseworkGenerator(random.Random(4), SITE, WORKER, END, DAYS)
    records = [r for _ in range(4000) for r in generator.person()]
    kpis = kpi_proportions(records)
    assert 0.22 <= kpis["assessed_per_person"] <= 0.33, kpis
    assert 0.55 <= kpis["statutory_share"] <= 0.72, kpis
    assert 0.32 <= kpis["referrals_per_assessment"] <= 0.48, kpis
    assert 0.30 <= kpis["entered_per_referral"] <= 0.50, kpis
    forms = [r for r in records if isinstance(r, Assessment) and r.kind is not AssessmentKind.CUSTODY_ARRIVAL]
    drafts = sum(r.status is AssessmentStatus.DRAFT for r in forms) / len(forms)
    assert 0.02 <= drafts <= 0.15


def test_the_generator_is_deterministic_for_a_seed_and_end_date() -> None:
    def run() -> list[tuple[uuid.UUID, int, dict[str, Any] | None]]:
        generator = CaseworkGenerator(random.Random(9), SITE, WORKER, END, DAYS)
        made = [r for _ in range(60) for r in generator.person()]
        return [(r.id, r.revision, r.answers if isinstance(r, Assessment) else None) for r in made]

    assert run() == run()


# -- a seeded store ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    data_dir: Path
    settings: Settings
    report: SeedReport
    records: dict[uuid.UUID, RecordBase]

    def unlock(self) -> WorkstationSession:
        return unlock(self.settings, self.data_dir, WORKER, WORKER_PASSWORD)

    def of(self, kind: type[RecordBase]) -> list[Any]:
        return [r for r in self.records.values() if isinstance(r, kind)]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    settings = Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1), lockout_minutes=10)
    data_dir = tmp_path_factory.mktemp("seeded") / "ws"
    init_workstation(settings, data_dir, SITE, ADMIN, ADMIN_PASSWORD)
    admin = unlock(settings, data_dir, ADMIN, ADMIN_PASSWORD)
    try:
        enrol_user(admin, WORKER, "Sam Worker", frozenset({Role.WORKER, Role.SUPERVISOR}), WORKER_PASSWORD)
    finally:
        admin.lock()
    session = unlock(settings, data_dir, WORKER, WORKER_PASSWORD)
    try:
        report = seed(session, PEOPLE, DAYS, RANDOM_SEED, end=END, batch_people=40)
        with session.unit_of_work() as uow:
            records = {r.id: r for r in uow.records.iter_all()}
    finally:
        session.lock()
    return Seeded(data_dir, settings, report, records)


def test_every_seeded_form_validates_against_its_version(seeded: Seeded) -> None:
    forms = seeded.of(Assessment)
    assert {f.form_id for f in forms} == set(GENERATORS)
    for form in forms:
        spec = CATALOGUE.get(form.form_id, form.form_version)
        assert form.form_version == CATALOGUE.latest(form.form_id).version
        assert form.kind is AssessmentKind(spec.record_kind)
        completed = form.status is AssessmentStatus.COMPLETED
        assert completed == (form.completed_at is not None)
        assert form.status in (AssessmentStatus.COMPLETED, AssessmentStatus.DRAFT)
        problems = validate(spec, form.answers, completing=completed, today=END)
        assert problems == [], f"{form.form_id} {form.id}: {[p.text for p in problems]}"


def test_every_custody_episode_comes_from_an_arrival_form(seeded: Seeded) -> None:
    arrivals = {
        derived_id(f.id, "custody_episode"): f
        for f in seeded.of(Assessment)
        if f.form_id == "custody_arrival" and f.status is AssessmentStatus.COMPLETED
    }
    episodes = seeded.of(CustodyEpisode)
    assert episodes and {e.id for e in episodes} == set(arrivals)
    for episode in episodes:
        form = arrivals[episode.id]
        assert form.episode_id == episode.id and form.person_id == episode.person_id
        assert episode.custody_record_number == form.answers["custody_record_number"]
    for test in seeded.of(DrugTest):
        assert test.episode_id in arrivals and test.id == derived_id(
            arrivals[test.episode_id].id, "drug_test"
        )
    people = {p.id for p in seeded.of(Person)}
    assert len(people) == PEOPLE and {e.person_id for e in episodes} == people


def test_typed_records_are_what_their_completed_forms_project(seeded: Seeded) -> None:
    """Projecting each completed form again against the store gives exactly the stored typed records."""
    memory = MemoryRecords(seeded.records.values())
    context = ProjectionContext(memory, Role.WORKER)
    expected: dict[uuid.UUID, RecordBase] = {}
    for form in seeded.of(Assessment):
        if form.status is AssessmentStatus.COMPLETED and form.form_id in PROJECTIONS:
            for made in derive(form, context, WORKER):
                expected[made.id] = made
    typed = (CustodyEpisode, DrugTest, Referral, NaloxoneSupply, Appointment, Consent)
    stored = {r.id: r for r in seeded.records.values() if isinstance(r, typed)}
    assert set(stored) == set(expected)
    skip = {"revision", "updated_at"}
    for record_id, record in stored.items():
        assert record.model_dump(exclude=skip) == expected[record_id].model_dump(exclude=skip)
    for kind in typed:
        assert any(isinstance(r, kind) for r in stored.values()), kind.__name__


def test_actions_are_the_ones_the_form_rules_create(seeded: Seeded) -> None:
    forms = {f.id: f for f in seeded.of(Assessment)}
    actions = seeded.of(Action)
    assert actions
    for action in actions:
        assert action.source_record_id is not None
        form = forms[action.source_record_id]
        assert form.status is AssessmentStatus.COMPLETED
        rules = CATALOGUE.get(form.form_id, form.form_version).actions
        assert action.id in {action_id(form.id, i) for i in range(len(rules))}
    kinds = Counter(a.action_type for a in actions)
    assert kinds[ActionType.POLICE_NOTIFICATION] > 0


def test_seed_report_counts_each_record_once(seeded: Seeded) -> None:
    counts = Counter(r.record_type for r in seeded.records.values())
    assert seeded.report.counts == dict(counts)
    assert sum(seeded.report.forms.values()) == counts["assessment"]


def test_proportions_of_the_seeded_store_are_in_loose_bounds(seeded: Seeded) -> None:
    kpis = kpi_proportions(seeded.records.values())
    assert 0.12 <= kpis["assessed_per_person"] <= 0.45, kpis
    assert 0.4 <= kpis["statutory_share"] <= 0.85, kpis
    assert 0.15 <= kpis["referrals_per_assessment"] <= 0.7, kpis


def test_the_seeded_store_is_what_the_generator_makes_for_that_seed(seeded: Seeded) -> None:
    generator = CaseworkGenerator(
        random.Random(RANDOM_SEED), SITE, WORKER, END, DAYS, author_role=Role.WORKER, worker_name="Sam Worker"
    )
    made = {r.id: r for _ in range(PEOPLE) for r in generator.person()}
    assert set(made) == set(seeded.records)
    for record_id, record in made.items():
        if isinstance(record, Assessment):
            stored = seeded.records[record_id]
            assert isinstance(stored, Assessment) and stored.answers == record.answers


def test_the_audit_log_still_verifies(seeded: Seeded) -> None:
    session = seeded.unlock()
    try:
        assert verify_audit_log(session) >= len(seeded.records)
    finally:
        session.lock()


@pytest.mark.slow
def test_seeding_speed_for_2000_people(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A measurement, not a check: run with -s to see milliseconds per record."""
    settings = Settings(kdf=KdfCost(memory_kib=1024, time_cost=1, parallelism=1), lockout_minutes=10)
    data_dir = tmp_path / "ws"
    init_workstation(settings, data_dir, SITE, ADMIN, ADMIN_PASSWORD)
    admin = unlock(settings, data_dir, ADMIN, ADMIN_PASSWORD)
    try:
        enrol_user(admin, WORKER, "Sam Worker", frozenset({Role.WORKER, Role.SUPERVISOR}), WORKER_PASSWORD)
    finally:
        admin.lock()
    session = unlock(settings, data_dir, WORKER, WORKER_PASSWORD)
    try:
        started = time.perf_counter()
        report = seed(session, 2000, DAYS, 1, end=END)
        seconds = time.perf_counter() - started
    finally:
        session.lock()
    generator = CaseworkGenerator(random.Random(1), SITE, WORKER, END, DAYS)
    started = time.perf_counter()
    built = sum(len(generator.person()) for _ in range(2000))
    building = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\nseeded 2,000 people: {report.total:,} records in {seconds:.1f} s "
            f"({seconds / report.total * 1000:.2f} ms per record, {seconds / 2:.2f} ms per person); "
            f"building them in memory alone: {building / built * 1000:.3f} ms per record"
        )
    assert report.counts["person"] == 2000
