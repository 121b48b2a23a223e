"""Clinic settings: read with defaults, change with validation and an audit event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fluorodesk.db.models import Setting
from fluorodesk.domain.permissions import Permission
from fluorodesk.domain.settings import SETTINGS_BY_KEY, ClinicSettings
from fluorodesk.errors import ValidationError
from fluorodesk.services import audit
from fluorodesk.services.base import Service


def load_settings(session: Session) -> ClinicSettings:
    stored: dict[str, Any] = {}
    for row in session.scalars(select(Setting)):
        try:
            stored[row.key] = json.loads(row.value)
        except ValueError:
            continue  # damaged value: the default applies
    return ClinicSettings(stored)


class SettingsService(Service):
    def load(self) -> ClinicSettings:
        with self.db.read() as session:
            return load_settings(session)

    def update(self, changes: Mapping[str, Any]) -> ClinicSettings:
        """Validate every value first; write all or nothing."""
        parsed: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key, raw in changes.items():
            definition = SETTINGS_BY_KEY.get(key)
            if definition is None:
                errors[key] = f"There is no setting called “{key}”."
                continue
            try:
                parsed[key] = definition.parse(raw)
            except ValidationError as exc:
                errors.update(exc.fields)
        if errors:
            raise ValidationError(fields=errors)
        with self.writing(Permission.MANAGE_SETTINGS) as session:
            current = load_settings(session)
            for key, value in parsed.items():
                old = current[key]
                if old == value:
                    continue
                row = session.get(Setting, key)
                if row is None:
                    row = Setting(key=key, value=json.dumps(value), updated_by=self.actor)
                    session.add(row)
                else:
                    row.value = json.dumps(value)
                    row.updated_by = self.actor
                audit.record(
                    session,
                    actor=self.actor,
                    action="update",
                    entity="settings",
                    entity_id=None,
                    summary=f"Setting “{SETTINGS_BY_KEY[key].label}” changed",
                    before={key: old},
                    after={key: value},
                )
            return load_settings(session)
