package dev.vigil.cli;

/** The tables the README and docs/fields.md show, as the commands print them (for the test that holds the docs to them). */
public final class Docs {
    private Docs() {}

    public static String hooksMarkdown() {
        return HooksCommand.markdown();
    }

    public static String fieldsMarkdown() {
        return FieldsCommand.markdown(FieldsCommand.rows());
    }
}
