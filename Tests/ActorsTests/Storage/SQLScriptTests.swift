import Actors
import Testing

struct SQLScriptTests {
    @Test func splitsAtStatementEnds() {
        let statements = SQLScript.statements(in: """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'it''s; fine');
            /* block; comment */
            CREATE TABLE "b;c" (y int);

            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT E'it\\'s; fine';
            SELECT $$;$$
            """)
        #expect(statements.map(\.sql) == [
            "CREATE TABLE a (x text DEFAULT 'it''s; fine')",
            "CREATE TABLE \"b;c\" (y int)",
            "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
            "SELECT E'it\\'s; fine'",
            "SELECT $$;$$",
        ])
        #expect(statements.map(\.line) == [2, 4, 6, 7, 8])
    }

    @Test func commentsAloneAreNoStatement() {
        #expect(SQLScript.statements(in: "-- nothing here\n/* nor; here */\n;\n").isEmpty)
    }

    @Test func positionalParametersAreNotDollarQuotes() {
        #expect(SQLScript.statements(in: "SELECT $1; SELECT 2").map(\.sql) == ["SELECT $1", "SELECT 2"])
    }
}
