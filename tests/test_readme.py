"""The README's lifecycle diagrams are generated from the declarations, never drawn by hand."""

from pathlib import Path

from projectunion.lifecycle.declarations import ALL, as_mermaid

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_diagrams_match_the_machine_declarations():
    text = README.read_text(encoding="utf-8")
    for declaration in ALL.values():
        assert f"```mermaid\n{as_mermaid(declaration)}\n```" in text, declaration.name
