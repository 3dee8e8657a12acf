"""Quality Ledger: CQC inspections, ratings and improvement actions for an NHS trust."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader

from app.config import build_config
from app.security import register_security
from app.extensions import csrf, db, login_manager, migrate


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(build_config(Path(app.instance_path), config))
    register_security(app)
    register_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_pages(app)
    register_commands(app)
    return app


def register_templates(app: Flask) -> None:
    # The NHS.UK frontend macros read nested optional parameters, which needs ChainableUndefined.
    app.jinja_options = {
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [
                FileSystemLoader(str(Path(app.root_path) / "templates")),
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
        "autoescape": True,
    }
    from app import presentation

    presentation.register(app)


def register_extensions(app: Flask) -> None:
    from app.database import register_database

    # Every area's models, so the metadata (and so migrations) sees all tables.
    from app.actions import models as _actions  # noqa: F401
    from app.api import models as _api  # noqa: F401
    from app.audit import models as _audit  # noqa: F401
    from app.auth import models as _auth  # noqa: F401
    from app.boardpacks import models as _boardpacks  # noqa: F401
    from app.files import models as _files  # noqa: F401
    from app.imports import models as _imports  # noqa: F401
    from app.inspections import models as _inspections  # noqa: F401
    from app.organisations import models as _organisations  # noqa: F401
    from app.reminders import models as _reminders  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        register_database(app, db.engine)

    from app.auth.login import load_user

    login_manager.user_loader(load_user)
    login_manager.session_protection = "basic"


def register_blueprints(app: Flask) -> None:
    from app.auth.access import check_every_view_has_a_rule, enforce_access, public

    # Importing an area's views registers its routes on the area's blueprint.
    from app.actions import bp as actions, views as _actions_views  # noqa: F401
    from app.api import bp as api, views as _api_views  # noqa: F401
    from app.audit import bp as audit, views as _audit_views  # noqa: F401
    from app.auth import bp as auth, views as _auth_views  # noqa: F401
    from app.boardpacks import bp as boardpacks, views as _boardpacks_views  # noqa: F401
    from app.exports import bp as exports, views as _exports_views  # noqa: F401
    from app.files import bp as files, views as _files_views  # noqa: F401
    from app.health import bp as health, views as _health_views  # noqa: F401
    from app.imports import bp as imports, views as _imports_views  # noqa: F401
    from app.inspections import bp as inspections, views as _inspections_views  # noqa: F401
    from app.organisations import bp as organisations, views as _organisations_views  # noqa: F401

    for blueprint in (
        organisations, inspections, actions, boardpacks, imports, exports, files, auth, audit,
        health, api,
    ):
        app.register_blueprint(blueprint)
    public(app.view_functions["static"])
    app.before_request(enforce_access)
    check_every_view_has_a_rule(app)


def register_error_pages(app: Flask) -> None:
    from app.errors import register_error_pages as register

    register(app)


def register_commands(app: Flask) -> None:
    from app.auth.commands import create_admin
    from app.backup.commands import backup_command, restore_command
    from app.boardpacks.commands import board_pack
    from app.demo.commands import seed_demo
    from app.exports.commands import export_offline, export_open_data
    from app.imports.commands import import_cqc
    from app.inspections.commands import grid
    from app.reminders.commands import send_reminders
    from app.synthetic.commands import seed_synthetic_command

    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(grid)
    app.cli.add_command(send_reminders)
    app.cli.add_command(board_pack)
    app.cli.add_command(import_cqc)
    app.cli.add_command(seed_synthetic_command)
    app.cli.add_command(export_open_data)
    app.cli.add_command(export_offline)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
