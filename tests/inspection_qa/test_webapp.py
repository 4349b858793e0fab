"""The pages' shared start-up: one cached service per complete set of settings."""

from core.settings import Settings
from inspection_qa.webapp import get_service


def test_one_service_per_settings_and_a_new_one_when_any_setting_changes(tmp_path):
    get_service.clear()
    base = Settings(data_dir=tmp_path / "data", embedder="hashing")
    first = get_service(base)
    assert get_service(Settings(data_dir=tmp_path / "data", embedder="hashing")) is first
    audited = get_service(base.replace(audit_log=str(tmp_path / "audit.jsonl")))
    assert audited is not first and audited.audit is not None and first.audit is None
    assert get_service(base.replace(top_k=20)) is not first
    get_service.clear()
