"""`inspection-qa`: a thin command line over the service; errors become one line and an exit code."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from pathlib import Path

import click

from core.errors import InspectionQAError
from core.kinds import SOURCE_KINDS
from core.settings import Settings

from .environment import apply_offline_defaults, settings_from_environment


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def handle_errors(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InspectionQAError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
    return wrapper


def filter_options(func):
    """--doc, --kind, --since, --until: the same filter for dense and lexical search."""
    func = click.option("--until", default=None, metavar="YYYY[-MM[-DD]]", help="Only documents dated up to then.")(func)
    func = click.option("--since", default=None, metavar="YYYY[-MM[-DD]]", help="Only documents dated from then.")(func)
    func = click.option("--kind", "kinds", multiple=True,
                        help="Only documents of this kind (repeatable): " + ", ".join(SOURCE_KINDS) + ".")(func)
    func = click.option("--doc", "docs", multiple=True, help="Only this document, by id or file name (repeatable).")(func)
    return func


def llm_options(func):
    """--llm, --llm-base-url, --llm-timeout: the optional written answer, checked sentence by sentence."""
    func = click.option("--llm-timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
                        help="Give up on the model after this long and show the quotes [env INSPECTION_QA_LLM_TIMEOUT_S; "
                             "default 60].")(func)
    func = click.option("--llm-base-url", default=None, metavar="URL",
                        help="The model's server: any OpenAI-compatible one (vLLM, llama.cpp, LM Studio: "
                             "http://127.0.0.1:8080/v1) or Ollama's [env INSPECTION_QA_LLM_BASE_URL].")(func)
    func = click.option("--llm", default=None, metavar="PROVIDER:MODEL",
                        help="Write the answer in words with a language model (ollama:llama3.1:8b, openai:gpt-4o-mini); "
                             "every sentence is checked against its quotes [env INSPECTION_QA_LLM].")(func)
    return func


def _apply_llm(ctx: click.Context, llm: str | None, llm_base_url: str | None, llm_timeout: float | None) -> None:
    """Put the --llm flags into the settings, and check them before any question is asked."""
    changes = {k: v for k, v in (("llm", llm), ("llm_base_url", llm_base_url), ("llm_timeout_s", llm_timeout))
               if v is not None}
    if changes:
        ctx.obj["settings"] = _settings(ctx).replace(**changes)
    if _settings(ctx).llm:
        _service(ctx).written_answerer()  # a malformed PROVIDER:MODEL or an unknown provider fails here


def _filter(ctx: click.Context, docs, kinds, since, until):
    return _service(ctx).make_filter(docs, kinds, since, until)


def _service(ctx: click.Context):
    from .service import QAService

    if "service" not in ctx.obj:
        ctx.obj["service"] = QAService(_settings(ctx), user=_user())
    return ctx.obj["service"]


def _user() -> str:
    """Who runs the command, for the audit trail."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "local"


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="INSPECTION_QA_DATA_DIR",
              default=Path(".data"), show_default=True, help="Folder holding the index [env INSPECTION_QA_DATA_DIR].")
@click.option("--chroma-url", envvar="INSPECTION_QA_CHROMA_URL", default=None, metavar="http://HOST:PORT",
              help="Keep the index on a Chroma server shared by several app instances [env INSPECTION_QA_CHROMA_URL].")
@click.option("--model", envvar="INSPECTION_QA_MODEL", default=None,
              help="Embedding model: all-MiniLM-L6-v2 (packaged) or a local model folder [env INSPECTION_QA_MODEL].")
@click.option("--embedder", envvar="INSPECTION_QA_EMBEDDER", default=None,
              help="Embedding backend: onnx-int8 (default), onnx, sentence-transformers (PyTorch), or hashing "
                   "(no model: word overlap only, for trials) [env INSPECTION_QA_EMBEDDER].")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
@click.version_option(package_name="inspection-qa")
@click.pass_context
@handle_errors
def main(ctx: click.Context, data_dir: Path, chroma_url: str | None, model: str | None, embedder: str | None,
         verbose: bool) -> None:
    """Ask questions of inspection letters and reports; every answer quotes its sources.

    \b
    Examples:
      inspection-qa ingest corpus/
      inspection-qa ask "What did inspectors find about assessments?"
      inspection-qa ask "How has reliance on agency staff changed since 2011?" --json
      inspection-qa eval questions/dev.jsonl --output results.jsonl
      inspection-qa status
      inspection-qa remove ofsted-2011-11-09-birmingham-unannounced-inspection.pdf
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    apply_offline_defaults()
    ctx.ensure_object(dict)
    ctx.obj["settings"] = settings_from_environment(data_dir=data_dir, embedding_model=model, embedder=embedder,
                                                    chroma_url=chroma_url)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
@handle_errors
def ingest(ctx: click.Context, paths: tuple[Path, ...], quiet: bool) -> None:
    """Add PDF, Word (.docx), web page (.html), text and Markdown files (or folders of them) to the index.

    Ingesting the same file again changes nothing; a changed file replaces its old version.
    A file that cannot be read is reported and skipped; the exit code is then 1.

    \b
    Examples:
      inspection-qa ingest corpus/
      inspection-qa ingest letters/2024-monitoring-visit.pdf notes.md
    """
    from tqdm import tqdm

    service = _service(ctx)
    files = service.files_to_ingest(paths)
    missing = [p for p in paths if not p.exists()]
    bar = tqdm(total=len(files), unit="file", desc="Ingesting", disable=quiet or not files, file=sys.stderr)

    def on_file(outcome) -> None:
        bar.update(1)
        name = Path(outcome.path).name
        if outcome.failed:
            bar.write(f"  skipped {outcome.path}: {outcome.reason}", file=sys.stderr)
        elif outcome.status in ("unchanged", "duplicate"):
            bar.write(f"  {outcome.status}: {name} ({outcome.reason})", file=sys.stderr)
        else:
            # stored under its id: a name another file holds comes with its folder ("2033/letter.txt")
            bar.write(f"  {outcome.status}: {outcome.doc_id or name} ({outcome.chunks} chunks)", file=sys.stderr)
        if outcome.warning:
            bar.write(f"  {outcome.status} with a warning: {outcome.doc_id or name}: {outcome.warning}", file=sys.stderr)

    report = service.ingest(files, on_file=on_file)
    bar.close()
    if report.repaired:
        click.echo(f"Repaired half-written documents left by an interrupted ingest: {', '.join(report.repaired)}", err=True)
    summary = report.summary()
    if not report.changed and not report.failures:
        summary += " (the index already held these files; nothing changed)"
    click.echo(f"Ingest: {summary}.")
    if report.failures or missing:
        sys.exit(1)


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as an eval record (JSON).")
@click.option("--history", multiple=True, help="An earlier question of the same conversation (repeatable, oldest first).")
@click.option("-k", "--top-k", type=click.IntRange(1, 100), default=None, help="Passages to retrieve.")
@click.option("--timeline", is_flag=True, default=None,
              help="Answer as a timeline (oldest source first); questions about change get one anyway.")
@filter_options
@llm_options
@click.pass_context
@handle_errors
def ask(ctx: click.Context, question: str, as_json: bool, history: tuple[str, ...], top_k: int | None,
        timeline: bool | None, docs, kinds, since, until, llm: str | None, llm_base_url: str | None,
        llm_timeout: float | None) -> None:
    """Answer QUESTION from the ingested documents, with verbatim quotes.

    \b
    Examples:
      inspection-qa ask "What did inspectors find about assessments?"
      inspection-qa ask "And for newly qualified staff?" --history "What did the 2011 letter say about supervision?"
      inspection-qa ask "How has the use of agency staff changed?" --timeline
      inspection-qa ask "What did inspectors say about caseloads?" --since 2015 --kind news
      inspection-qa ask "What did inspectors find about assessments?" --llm ollama:llama3.1:8b
    """
    if top_k:
        ctx.obj["settings"] = _settings(ctx).replace(top_k=top_k)
    _apply_llm(ctx, llm, llm_base_url, llm_timeout)
    service = _service(ctx)
    conv = service.conversation(search_filter=_filter(ctx, docs, kinds, since, until), timeline=timeline or None)
    for earlier in history:
        conv.ask(earlier)
    answer = conv.ask(question)
    if answer.notice:
        click.echo(f"Notice: {answer.notice}", err=True)
    if as_json:
        click.echo(json.dumps(answer.to_record(), ensure_ascii=False, indent=2))
        return
    from .presentation import answer_as_text

    click.echo(answer_as_text(answer))


@main.command(name="eval")
@click.argument("questions", type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("results.jsonl"),
              show_default=True, help="Where to write one eval record per question.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a self-contained HTML report here (and a Markdown summary beside it).")
@click.option("--compare", "compare_to", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An earlier results file: show each metric's change and the questions that flipped.")
@click.option("--fail-under", default=None, envvar="INSPECTION_QA_FAIL_UNDER",
              help="Bars, e.g. hit@5=0.95,cited=0.8: exit 1 naming every metric that misses its bar "
                   "(for false_abstention and latency the bar is a ceiling).")
@filter_options
@llm_options
@click.pass_context
@handle_errors
def eval_cmd(ctx: click.Context, questions: Path, output: Path, report: Path | None, compare_to: Path | None,
             fail_under: str | None, docs, kinds, since, until, llm: str | None, llm_base_url: str | None,
             llm_timeout: float | None) -> None:
    """Run a question set (JSON Lines or CSV) and print its metrics.

    A malformed question set is refused before anything runs, naming file, line and field.
    Ctrl-C stops the run and keeps the records answered so far.

    \b
    Examples:
      inspection-qa eval questions/dev.jsonl --output results.jsonl
      inspection-qa eval my-questions.csv --report report.html --compare old-results.jsonl
      inspection-qa eval questions/dev.jsonl --fail-under hit@5=0.9,cited=0.7,abstention=0.7
    """
    from tqdm import tqdm

    from evaluation.compare import compare
    from evaluation.gate import failures, parse_bars
    from evaluation.metrics import LOWER_IS_BETTER, format_by_kind, format_summary, score
    from evaluation.questions import load_questions, unmatched_evidence
    from evaluation.runner import load_records, question_dicts

    bars = parse_bars(fail_under) if fail_under else None
    _apply_llm(ctx, llm, llm_base_url, llm_timeout)
    qs = load_questions(questions)
    old_records = load_records(compare_to) if compare_to else None
    service = _service(ctx)
    search_filter = _filter(ctx, docs, kinds, since, until)
    if search_filter is not None:
        service.check_filter(search_filter)
    texts = service.document_texts()
    warnings = unmatched_evidence(qs, texts)
    for w in warnings:
        click.echo(f"Warning: {w}", err=True)
    bar = tqdm(total=len(qs), unit="question", desc="Evaluating", file=sys.stderr)

    def on_progress(p) -> None:
        bar.set_postfix_str(f"hit@5 {p.hit5:.2f}" if p.hit5 is not None else "")
        bar.update(1)

    interrupted = False
    stopped = ""
    records: list[dict] = []
    try:
        run = service.evaluate(qs, output=output, on_progress=on_progress, search_filter=search_filter)
        records, stopped = run.records, run.stopped
    except KeyboardInterrupt:
        interrupted = True
        records = load_records(output) if output.exists() else []
    bar.close()
    if stopped:
        warnings.append(stopped)
        click.echo(f"Error: {stopped}", err=True)
    result = score(records, question_dicts(qs), texts, warnings)
    click.echo(format_summary(result.summary))
    click.echo("")
    click.echo(format_by_kind(result.by_kind))
    comparison = None
    if old_records is not None:
        comparison = compare(score(old_records, question_dicts(qs), texts), result)
        click.echo("")
        click.echo(f"Compared with {compare_to}:")
        click.echo(comparison.format())
    if report:
        from datetime import datetime, timezone

        from evaluation.report import write_report

        meta = {"question set": str(questions), "questions": len(qs), "answered": len(records),
                "data folder": str(service.settings.data_dir), "model": service.model_name,
                **({"language model": service.settings.llm} if service.settings.llm else {}),
                "run at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        html_path, md_path = write_report(report, result, comparison, meta)
        click.echo(f"Report written to {html_path} (summary {md_path})")
    click.echo(f"Records written to {output}")
    if interrupted:
        click.echo(f"Interrupted: {len(records)} of {len(qs)} questions answered and kept.", err=True)
        sys.exit(130)
    if stopped:
        sys.exit(1)
    if bars:
        missed = failures(result.summary, bars)
        if missed:
            for line in missed:
                click.echo(f"FAIL {line}", err=True)
            sys.exit(1)
        click.echo("All bars met: " + ", ".join(f"{k}{'<=' if k in LOWER_IS_BETTER else '>='}{v}" for k, v in bars.items()))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
@handle_errors
def status(ctx: click.Context, as_json: bool) -> None:
    """Show the documents and chunks in the index, the model and the data folder."""
    service = _service(ctx)
    info = service.status()
    docs = service.documents()
    profiles = service.profiles() if docs else {}
    if as_json:
        info["document_list"] = [
            {"doc_id": d.doc_id, "title": d.title, "date": d.date, "kind": d.source_kind,
             "profile": profiles[d.doc_id].to_dict() if d.doc_id in profiles else None} for d in docs]
        click.echo(json.dumps(info, indent=2))
        return
    click.echo(f"Data folder: {info['data_dir']}")
    click.echo(f"Model:       {info['model']}")
    click.echo(f"Documents:   {info['documents']}   Chunks: {info['chunks']} "
               f"(dense {info['dense_chunks']}, lexical {info['lexical_chunks']})")
    from .presentation import date_warning, profile_line

    for d in docs:
        click.echo(f"  - {d.doc_id}  [{d.kind_label}, {d.shown_date}]  {d.title}")
        line = profile_line(profiles.get(d.doc_id))
        if line:
            click.echo(f"      {line}")
        if d.date_source == "ambiguous":
            click.echo(f"      warning: {date_warning(d)}")


@main.command()
@click.argument("document")
@click.pass_context
@handle_errors
def remove(ctx: click.Context, document: str) -> None:
    """Delete DOCUMENT (its id or file name) from every part of the index.

    \b
    Example:
      inspection-qa remove birmingham-childrens-trust-ofsted-progress-news.txt
    """
    meta = _service(ctx).remove(document)
    click.echo(f"Removed {meta.doc_id} ({meta.title}).")


@main.command()
@click.option("--last", "last", type=click.IntRange(min=1), default=None, metavar="N", help="Only the last N entries.")
@click.option("--json", "as_json", is_flag=True, help="Print the entries as JSON Lines, as stored.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The audit log to read [default: INSPECTION_QA_AUDIT_LOG].")
@click.pass_context
@handle_errors
def audit(ctx: click.Context, last: int | None, as_json: bool, log_path: Path | None) -> None:
    """Show the audit trail: who asked what, when, and the quotes each answer cited.

    The trail is kept when INSPECTION_QA_AUDIT_LOG names a file (one JSON line per question,
    from the CLI and the app alike).

    \b
    Examples:
      INSPECTION_QA_AUDIT_LOG=audit.jsonl inspection-qa ask "What did inspectors find about assessments?"
      inspection-qa audit --last 5
      inspection-qa audit --json --log /var/log/inspection-qa/audit.jsonl
    """
    from core.errors import ConfigError

    from .audit import AuditLog, format_entry

    path = log_path or _settings(ctx).audit_log
    if not path:
        raise ConfigError("the audit trail is off; set INSPECTION_QA_AUDIT_LOG=/path/audit.jsonl (or pass --log)")
    log = AuditLog(path)
    if not log.path.exists():
        click.echo(f"No audit entries yet ({log.path} does not exist).", err=True)
        return
    bad: list = []
    entries = log.last(last, bad)
    for b in bad:
        click.echo(f"Warning: {log.path}, line {b.number}: {b.reason}; skipped", err=True)
    if as_json:
        for entry in entries:
            click.echo(json.dumps(entry, ensure_ascii=False))
        return
    if not entries:
        click.echo(f"No audit entries in {log.path}.")
        return
    click.echo("\n\n".join(format_entry(e) for e in entries))


@main.command()
@click.argument("document")
@click.argument("page")
@click.option("--start", type=int, required=True, help="The citation's start offset (`ask --json`: start).")
@click.option("--end", type=int, required=True, help="The citation's end offset (`ask --json`: end).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PNG file to write.")
@click.pass_context
@handle_errors
def page(ctx: click.Context, document: str, page: str, start: int, end: int, out: Path) -> None:
    """Write the cited PAGE of DOCUMENT as a PNG, the quote's characters highlighted.

    DOCUMENT, PAGE, --start and --end are a citation's own `document`, `page`, `start` and `end`
    as `ask --json` prints them (PAGE as shown to the user: "iii", "3"). A quote that runs onto
    the next page is highlighted there too: ask for that page with the same offsets.

    \b
    Example:
      inspection-qa ask "Who signed the letter?" --json
      inspection-qa page letter.pdf 3 --start 9233 --end 9287 --out page.png
    """
    import shutil

    service = _service(ctx)
    png = service.page_image(document, page, start, end)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, out)
    parts = service.quote_highlights(document, start, end)
    others = [h.label for h in parts if h.label != str(page)]
    click.echo(f"Wrote {out} (page {page} of {document})" + (f"; the quote is also on page {', '.join(others)}"
                                                              if others else ""))
    if not any(h.boxes for h in parts if h.label == str(page)):
        click.echo("The page has no text layer (a scan read by OCR): the quote could not be marked on its image.")


@main.command(name="hash-password")
@click.argument("user")
@click.password_option("--password", prompt="Password", help="The password (asked for, hidden, when not given).")
@handle_errors
def hash_password_cmd(user: str, password: str) -> None:
    """Print a [passwords] line for USER to paste into .streamlit/secrets.toml (app login).

    \b
    Example:
      inspection-qa hash-password alice >> .streamlit/secrets.toml   # under a [passwords] table
    """
    from .access import hash_password, valid_username

    if not valid_username(user):
        raise click.BadParameter("use letters, digits, '.', '_', '-' or '@' (at most 64)", param_hint="USER")
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")
    click.echo(f"{json.dumps(user)} = {json.dumps(hash_password(password))}")


if __name__ == "__main__":  # pragma: no cover
    main()
