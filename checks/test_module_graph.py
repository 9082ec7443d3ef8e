"""No import loop between the files of one crate (a loop means a file's rules cannot be
read, moved or tested without the other's)."""
import pathlib

from conftest import ROOT
from module_graph import crate_cycles


def test_no_crate_has_an_import_loop_between_its_files():
    assert crate_cycles(ROOT) == []


def write(root: pathlib.Path, files: dict[str, str]) -> None:
    (root / "demo").mkdir()
    (root / "demo" / "Cargo.toml").write_text("[package]\nname = \"demo\"\n")
    for name, text in files.items():
        path = root / "demo" / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_check_sees_a_loop_between_siblings_and_through_a_parent(tmp_path):
    write(tmp_path, {
        "lib.rs": "pub mod startup;\npub mod routes;\n",
        "startup.rs": "use crate::routes::router;\npub struct AppState;\n",
        "routes/mod.rs": "pub mod heartbeat;\nuse crate::startup::AppState;\npub fn router() { heartbeat::accept() }\npub fn merchant() {}\n",
        "routes/heartbeat.rs": "use crate::routes::merchant;\npub fn accept() {}\n",
    })
    assert crate_cycles(tmp_path) == [
        "demo: routes <-> routes/heartbeat",
        "demo: routes <-> startup",
    ]


def test_a_facade_that_only_reexports_is_not_a_loop(tmp_path):
    write(tmp_path, {
        "lib.rs": "pub mod status;\npub mod advice;\npub use status::Status;\n",
        "status.rs": "pub enum Status {}\n",
        "advice.rs": "use crate::Status;\n",
        "notices/mod.rs": "mod outbox;\npub use outbox::{claim, Delivery};\npub struct Notice;\n",
        "notices/outbox.rs": "use super::Notice;\npub fn claim() {}\npub struct Delivery;\n",
    })
    assert crate_cycles(tmp_path) == []
