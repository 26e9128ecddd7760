"""For migrations that speak SQL of their own (triggers): one list of statements per database."""


def run(statements_by_vendor):
    """A RunPython function that executes the statements written for the migrating database,
    and nothing on any other."""

    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return apply
