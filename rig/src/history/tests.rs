//! Reading and writing histories in the three formats, and the errors a
//! malformed, truncated or foreign file gets.

use super::*;

fn sample() -> History {
    let mut h = History::default();
    let mk = |process, kind, value: Vec<Mop>, time| Op {
        index: 0,
        process,
        kind,
        f: "txn".into(),
        value,
        time: Some(time),
        error: None,
        node: None,
    };
    h.push(mk(
        0,
        OpType::Invoke,
        vec![
            Mop::Append { key: 3, element: 1 },
            Mop::Read { key: 4, list: None },
        ],
        10,
    ));
    h.push(mk(
        0,
        OpType::Ok,
        vec![
            Mop::Append { key: 3, element: 1 },
            Mop::Read {
                key: 4,
                list: Some(vec![1, 2]),
            },
        ],
        20,
    ));
    h.push(mk(
        1,
        OpType::Invoke,
        vec![Mop::Append { key: 4, element: 3 }],
        30,
    ));
    let mut failed = mk(
        1,
        OpType::Fail,
        vec![Mop::Append { key: 4, element: 3 }],
        40,
    );
    failed.error = Some("deadlock \"1213\"\nrolled back".into());
    h.push(failed);
    h
}

fn written(h: &History, format: Format) -> String {
    let mut out = Vec::new();
    h.write(format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_format_reads_back_what_was_written() {
    let h = sample();
    for (format, edn) in [
        (Format::JsonLines, false),
        (Format::JsonArray, false),
        (Format::Edn, true),
    ] {
        let text = written(&h, format);
        assert_eq!(read_str(&text, edn).unwrap(), h, "{format:?}:\n{text}");
    }
}

#[test]
fn json_lines_are_jepsen_shaped() {
    let text = written(&sample(), Format::JsonLines);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        r#"{"f":"txn","index":0,"process":0,"time":10,"type":"invoke","value":[["append",3,1],["r",4,null]]}"#
    );
    assert_eq!(text.lines().count(), 4);
    let edn = written(&sample(), Format::Edn);
    assert!(
        edn.starts_with("{:index 0, :process 0, :type :invoke, :f :txn, :value [[:append 3 1] [:r 4 nil]], :time 10}\n"),
        "{edn}"
    );
}

#[test]
fn jepsen_edn_with_nemesis_operations_and_records_is_read() {
    let text = "\
{:type :invoke, :f :txn, :value [[:append 9 1] [:r 8 nil]], :time 5, :process 2, :index 0}
{:type :info, :f :start-partition, :value nil, :process :nemesis, :index 1}
#jepsen.history.Op{:type :ok, :f :txn, :value [[:append 9 1] [:r 8 [4 5]]], :time 9, :process 2, :index 2}
";
    let h = read_str(text, true).unwrap();
    assert_eq!(h.ops.len(), 2);
    assert_eq!(h.ops[1].kind, OpType::Ok);
    assert_eq!(
        h.ops[1].value[1],
        Mop::Read {
            key: 8,
            list: Some(vec![4, 5])
        }
    );
}

#[test]
fn elle_cli_json_arrays_without_times_are_read() {
    let text = r#"[{"index":0,"process":0,"type":"invoke","value":[["append",1,1]]},
 {"index":1,"process":0,"type":"fail","value":[["append",1,1]]}]"#;
    let h = read_str(text, false).unwrap();
    assert_eq!(h.ops.len(), 2);
    assert_eq!(h.ops[0].time, None);
    assert_eq!(h.ops[0].f, "txn");
}

fn error(text: &str) -> String {
    read_str(text, false).unwrap_err().to_string()
}

#[test]
fn bad_files_are_refused_with_the_line() {
    let good = r#"{"process":0,"type":"invoke","value":[["append",1,1]]}"#;
    assert_eq!(
        error(""),
        "the file is empty: a history has at least one operation"
    );
    assert!(
        error("# a readme\n").starts_with("line 1: not a history"),
        "{}",
        error("# a readme")
    );
    let truncated = format!("{good}\n{{\"process\":0,\"type\":\"ok\",\"value\":[[\"app");
    let e = error(&truncated);
    assert!(e.starts_with("line 2: the operation is cut short"), "{e}");
    let e = error(&format!("{good}\n{{\"process\":0,\"type\":\"done\"}}"));
    assert!(e.starts_with("line 2: `type` must be"), "{e}");
    let e = error(r#"{"process":0,"type":"invoke","value":[["w",1,1]]}"#);
    assert!(e.starts_with("line 1: a micro-operation is"), "{e}");
    let e = error(r#"{"process":0,"type":"invoke","f":"transfer","value":[]}"#);
    assert!(e.contains("only list-append transactions"), "{e}");
    let e = error(r#"{"process":0,"type":"ok","value":[["append",1,1]]}"#);
    assert_eq!(
        e,
        "line 1: process 0 completes a transaction it never invoked"
    );
    let e = error(&format!("{good}\n\n{good}"));
    assert!(
        e.starts_with("line 3: process 0 invokes a transaction while"),
        "{e}"
    );
    let e = error(&format!(
        "{good}\n{}",
        r#"{"process":0,"type":"ok","value":[["r",1,[]]]}"#
    ));
    assert!(
        e.starts_with("line 2: the completion's micro-operations differ"),
        "{e}"
    );
    let e = error(r#"{"process":0,"type":"invoke","value":[["append","k",1]]}"#);
    assert!(e.contains("a key must be an integer"), "{e}");
    let e = error("[{\"process\":0,\"type\":\"invoke\"},\n {\"process\":0,\"type\":\"nope\"}]");
    assert!(e.starts_with("line 2: `type` must be"), "{e}");
}

#[test]
fn a_file_of_only_nemesis_operations_is_not_a_history() {
    let e = error(r#"{"process":"nemesis","type":"info","f":"kill"}"#);
    assert_eq!(e, "no client operations: not a history");
}

#[test]
fn the_json_array_has_one_operation_per_line_and_lines_end_in_newlines() {
    let mut h = sample();
    h.ops.truncate(2);
    let array = written(&h, Format::JsonArray);
    let lines: Vec<&str> = array.lines().collect();
    assert_eq!(lines.len(), 2, "{array}");
    assert!(
        lines[0].starts_with("[{") && lines[0].ends_with("},"),
        "{array}"
    );
    assert!(
        lines[1].starts_with('{') && lines[1].ends_with("}]"),
        "{array}"
    );
    assert!(array.ends_with("}]\n"));
    let jsonl = written(&h, Format::JsonLines);
    assert!(
        jsonl.ends_with("}\n") && jsonl.matches('\n').count() == 2,
        "{jsonl}"
    );
    let edn = written(&h, Format::Edn);
    assert!(
        edn.ends_with("}\n") && edn.matches('\n').count() == 2,
        "{edn}"
    );
}

#[test]
fn every_outcome_reads_back_and_micro_operations_read_as_text() {
    let text = r#"{"process":0,"type":"invoke","value":[["append",1,1]]}
{"process":0,"type":"info","value":[["append",1,1]]}
{"process":1,"type":"invoke","value":[["r",1,null]]}
{"process":1,"type":"fail","value":[["r",1,null]]}
{"process":2,"type":"invoke","value":[["r",1,null]]}
{"process":2,"type":"ok","value":[["r",1,[1,2]]]}"#;
    let h = read_str(text, false).unwrap();
    let kinds: Vec<OpType> = h.ops.iter().map(|o| o.kind).collect();
    use OpType::*;
    assert_eq!(kinds, [Invoke, Info, Invoke, Fail, Invoke, Ok]);
    assert_eq!(h.ops[0].value[0].to_string(), "append 1 to 1");
    assert_eq!(h.ops[2].value[0].to_string(), "read 1");
    assert_eq!(h.ops[5].value[0].to_string(), "read 1 = [1, 2]");
    assert_eq!(list_text(&[]), "[]");
}
