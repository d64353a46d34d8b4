"""Declarative step forms: spec (pydantic), fields (WTForms), engine, formula language."""
