//! Synthesis refuses heavy-transform SQL that Spark and DataFusion read differently, naming
//! the construct and the portable way (the parity test shows the allowed forms agree).

use sdlf_lake::portable::check;

fn problems(sql: &str) -> Vec<String> {
    check(sql).iter().map(ToString::to_string).collect()
}

#[test]
fn each_difference_is_named_with_its_fix() {
    let one = |sql: &str| {
        let found = problems(sql);
        assert_eq!(found.len(), 1, "{sql}: {found:?}");
        found.into_iter().next().unwrap()
    };
    assert!(one("SELECT qty / 2 AS half FROM batch").starts_with("`qty / 2`: Spark divides integers to a fraction"));
    assert_eq!(
        problems("SELECT TRY_CAST(qty AS DOUBLE) / 2, qty / 2.0, (qty * 1.5) / TRY_CAST(n AS DOUBLE) FROM batch").len(),
        0
    );
    assert!(one("SELECT a FROM batch ORDER BY a").starts_with("`a`: Spark puts NULLs first"));
    assert!(
        one("SELECT row_number() OVER (ORDER BY a DESC) AS n FROM batch").starts_with("`a DESC`: Spark puts NULLs")
    );
    assert_eq!(problems("SELECT row_number() OVER (PARTITION BY b ORDER BY a DESC NULLS LAST) AS n FROM batch ORDER BY n NULLS FIRST").len(), 0);
    assert!(one("SELECT CAST(a AS DOUBLE) AS d FROM batch").contains("write TRY_CAST"));
    assert!(one("SELECT a::DOUBLE AS d FROM batch").contains("write TRY_CAST"));
    assert!(one("SELECT TRY_CAST(a AS TIMESTAMP) AS t FROM batch").contains("timestamps"));
    assert!(one("SELECT \"Name\" FROM batch").starts_with("`\"Name\"`: Spark reads \"x\" as a string"));
    assert!(one("SELECT `name` FROM batch").contains("write them unquoted"));
    assert!(one("SELECT date_format(d, 'yyyy') AS y FROM batch").contains("`date_format` is not among the functions"));
    assert!(one("SELECT substring(s, -2, 1) AS t FROM batch").contains("counts from the end in Spark"));
    assert!(one("SELECT substring(s, 0, 1) AS t FROM batch").contains("start at a literal 1 or more"));
    assert_eq!(problems("SELECT substring(s, 2, 3) AS t FROM batch").len(), 0);
    assert!(one("SELECT * FROM other").starts_with("`other`: the heavy transform reads only `batch`"));
    assert_eq!(problems("WITH b AS (SELECT * FROM batch) SELECT * FROM b").len(), 0);
    assert!(one("DELETE FROM batch").contains("write one SELECT query"));
    assert!(one("SELECT 1; SELECT 2").contains("write one SELECT query"));
    assert!(one("SELEC x").contains("does not parse"));
}

#[test]
fn several_problems_are_all_reported() {
    let found = problems("SELECT a / b, CAST(c AS INT) FROM batch ORDER BY a");
    assert_eq!(found.len(), 3, "{found:?}");
}
