import click


@click.command("stats")
def stats_command() -> None:
    raise click.ClickException("not yet")
