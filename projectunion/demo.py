import click


@click.command("demo")
def demo_command() -> None:
    raise click.ClickException("not yet")
