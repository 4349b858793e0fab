"""The ground floor: provenance records, settings, errors, text folding, source kinds and dates.

Every stage (ingest, retrieval, prompts, answering, evaluation, the application) imports this
package; it imports nothing else of the project (import-linter enforces it, see pyproject.toml).
"""
