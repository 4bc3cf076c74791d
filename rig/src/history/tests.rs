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

#[test]
fn each_shape_is_told_apart_by_how_the_text_begins() {
    let ok = |text: &str, edn: bool| {
        read_str(text, edn).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    };
    // JSON arrays laid out with blank lines, spaces and line breaks.
    ok(
        "\n\n  [\n  {\"process\":0,\"type\":\"invoke\",\"value\":[[\"append\",1,1]]},\n  {\"process\":0,\"type\":\"ok\",\"value\":[[\"append\",1,1]]}\n]\n",
        false,
    );
    // An EDN vector of operations, commas between them (EDN's whitespace).
    let vector = "[{:type :invoke, :f :txn, :value [[:append 1 1]], :process 0},\n {:type :ok, :f :txn, :value [[:append 1 1]], :process 0}]";
    ok(vector, true);
    ok(vector, false);
    // EDN maps one per line are EDN whatever the file is called.
    let lines = "{:type :invoke, :f :txn, :value [[:append 1 1]], :process 0}\n{:type :ok, :f :txn, :value [[:append 1 1]], :process 0}\n";
    ok(lines, false);
    // Jepsen's tagged records, from the first line on.
    let tagged = "#jepsen.history.Op{:type :invoke, :f :txn, :value [[:append 1 1]], :process 0, :index 0}\n#jepsen.history.Op{:type :ok, :f :txn, :value [[:append 1 1]], :process 0, :index 1}\n";
    ok(tagged, false);
    // A map that is neither JSON (`{"`) nor EDN (`{:`) is not a history,
    // unless the file says it is EDN: then EDN's own reading decides.
    let e = error("{5 6}\n");
    assert!(e.starts_with("line 1: not a history"), "{e}");
    let e = read_str("{5 6}\n", true).unwrap_err().to_string();
    assert!(!e.contains("not a history"), "{e}");
}

#[test]
fn errors_in_a_json_array_name_the_line_of_the_operation() {
    // Braces and escaped quotes inside strings, and an object nested in an
    // operation, must not throw the line count off.
    let text = r#"[{"process":0,"type":"invoke","value":[["append",1,1]],"error":{"code":1213}},
 {"process":0,"type":"info","value":[["append",1,1]],"error":"a \"{\" here"},
 {"process":1,"type":"nope"}]"#;
    let e = error(text);
    assert!(e.starts_with("line 3: `type` must be"), "{e}");
}

#[test]
fn structural_errors_name_the_index_of_the_open_invocation() {
    let invoke = r#"{"index":5,"process":0,"type":"invoke","value":[["append",1,1]]}"#;
    let e = error(&format!("{invoke}\n{invoke}"));
    assert_eq!(
        e,
        "line 2: process 0 invokes a transaction while its transaction at index 5 has not completed"
    );
    let e = error(&format!(
        "{invoke}\n{}",
        r#"{"index":6,"process":0,"type":"ok","value":[["r",1,[]]]}"#
    ));
    assert_eq!(
        e,
        "line 2: the completion's micro-operations differ from those its invocation (index 5) announced"
    );
}

#[test]
fn only_a_failed_or_unknown_completion_may_leave_its_value_out() {
    let invoke = r#"{"process":0,"type":"invoke","value":[["append",1,1]]}"#;
    for kind in ["fail", "info"] {
        let text = format!("{invoke}\n{{\"process\":0,\"type\":\"{kind}\",\"value\":[]}}");
        read_str(&text, false).unwrap_or_else(|e| panic!("{kind}: {e}"));
        // Left out is allowed; different is not.
        let text =
            format!("{invoke}\n{{\"process\":0,\"type\":\"{kind}\",\"value\":[[\"r\",2,null]]}}");
        assert!(
            error(&text).contains("micro-operations differ"),
            "{kind}: {}",
            error(&text)
        );
    }
    let e = error(&format!(
        "{invoke}\n{}",
        r#"{"process":0,"type":"ok","value":[]}"#
    ));
    assert!(e.contains("micro-operations differ"), "{e}");
}

#[test]
fn times_are_non_negative_integers_and_elles_minus_one_means_none() {
    let with_time = |t: &str| {
        format!(
            "{{\"process\":0,\"type\":\"invoke\",\"time\":{t},\"value\":[[\"append\",1,1]]}}\n{{\"process\":0,\"type\":\"ok\",\"time\":{t},\"value\":[[\"append\",1,1]]}}"
        )
    };
    assert_eq!(
        read_str(&with_time("7"), false).unwrap().ops[0].time,
        Some(7)
    );
    assert_eq!(read_str(&with_time("-1"), false).unwrap().ops[0].time, None);
    let e = error(&with_time("1.5"));
    assert!(e.starts_with("line 1: `time` must be an integer"), "{e}");
}

#[test]
fn edn_lists_are_written_with_single_spaces() {
    let edn = written(&sample(), Format::Edn);
    assert!(edn.contains(":value [[:append 3 1] [:r 4 [1 2]]]"), "{edn}");
}

#[test]
fn files_are_read_by_their_name_and_unreadable_ones_say_why() {
    let dir = std::env::temp_dir().join(format!("rig-history-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let h = sample();
    for (name, format) in [("h.jsonl", Format::JsonLines), ("h.edn", Format::Edn)] {
        let path = dir.join(name);
        std::fs::write(&path, written(&h, format)).unwrap();
        assert_eq!(read_file(&path).unwrap(), h, "{name}");
        assert!(
            matches!(read_any_file(&path).unwrap(), AnyHistory::ListAppend(ref a) if *a == h),
            "{name}"
        );
    }
    // Only a file called .edn is read as EDN when its maps begin with
    // neither `"` nor `:`.
    for (name, edn) in [("odd.edn", true), ("odd.json", false)] {
        let path = dir.join(name);
        std::fs::write(&path, "{5 6}\n").unwrap();
        let e = read_file(&path).unwrap_err().to_string();
        assert_eq!(!e.contains("not a history"), edn, "{name}: {e}");
        let e = match read_any_file(&path) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{name} read"),
        };
        assert_eq!(!e.contains("not a history"), edn, "{name}: {e}");
    }
    let latin1 = dir.join("latin1.jsonl");
    std::fs::write(&latin1, b"{\"process\":0,\"f\":\"caf\xe9\"}\n").unwrap();
    assert_eq!(
        read_file(&latin1).unwrap_err().to_string(),
        "it is not UTF-8 text"
    );
    let missing = dir.join("missing.jsonl");
    let e = read_file(&missing).unwrap_err().to_string();
    assert!(e.starts_with("cannot read it: "), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
