"""projectunion: project unions (项目工会) from founding to dissolution."""

from __future__ import annotations

from flask import Flask

from projectunion import config, db, resources


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resources.path("templates")),
    )
    config.load(app, test_config)
    if app.config["PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_permission_gate(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from projectunion import audit_chain, auth, i18n, protection, ratelimit, security_headers, web
    from projectunion.main import menu

    db.init_app(app)
    audit_chain.init_app(app)
    security_headers.init_app(app)
    protection.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    ratelimit.init_app(app)
    web.init_app(app)  # template filters, globals and the permission questions
    menu.init_app(app)


def register_blueprints(app: Flask) -> None:
    from projectunion.account import bp as account_bp
    from projectunion.admin import bp as admin_bp
    from projectunion.api import bp as api_bp
    from projectunion.cases import bp as cases_bp
    from projectunion.contractors import bp as contractors_bp
    from projectunion.dashboard import bp as dashboard_bp
    from projectunion.health import bp as health_bp
    from projectunion.join import bp as join_bp
    from projectunion.main import bp as main_bp
    from projectunion.projects import bp as projects_bp
    from projectunion.survey import bp as survey_bp
    from projectunion.unions import bp as unions_bp
    from projectunion.workers import bp as workers_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(contractors_bp)
    app.register_blueprint(join_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(projects_bp)
    app.register_blueprint(unions_bp)
    app.register_blueprint(workers_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(survey_bp)


def register_errorhandlers(app: Flask) -> None:
    from projectunion import errors

    errors.init_app(app)


def register_permission_gate(app: Flask) -> None:
    """Last of the request hooks: an oversized body, CSRF and the API's language are settled first."""
    from projectunion import permission_gate

    permission_gate.init_app(app)


def register_commands(app: Flask) -> None:
    from projectunion import cli

    cli.init_app(app)
