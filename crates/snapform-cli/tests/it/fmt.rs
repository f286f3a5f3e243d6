//! `snapform fmt` as a user runs it: listing, writing, checking, diffs, stdin, and refusing
//! files with syntax errors.

use std::fs;

use crate::support::snapform;

const MESSY: &str = "resource \"tencentcloud_cbs_disk_backup\" \"a\" {\ndisk_id=\"disk-qs100001\"\n  disk_backup_name = \"x\" # nightly\n}\n";
const TIDY: &str = "resource \"tencentcloud_cbs_disk_backup\" \"a\" {\n  disk_id          = \"disk-qs100001\"\n  disk_backup_name = \"x\" # nightly\n}\n";

#[test]
fn fmt_rewrites_files_and_lists_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("main.hcl"), MESSY).expect("write");
    fs::write(dir.path().join("tidy.hcl"), TIDY).expect("write");
    let run = snapform(dir.path(), &["fmt"], "");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.stdout, "main.hcl\n");
    assert_eq!(
        fs::read_to_string(dir.path().join("main.hcl")).expect("read"),
        TIDY
    );
    let again = snapform(dir.path(), &["fmt"], "");
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
}

#[test]
fn fmt_check_exits_3_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("main.hcl"), MESSY).expect("write");
    let run = snapform(dir.path(), &["fmt", "-check"], "");
    assert_eq!(run.code, 3, "{}", run.transcript());
    assert_eq!(run.stdout, "main.hcl\n");
    assert_eq!(
        fs::read_to_string(dir.path().join("main.hcl")).expect("read"),
        MESSY
    );
    fs::write(dir.path().join("main.hcl"), TIDY).expect("write");
    assert_eq!(snapform(dir.path(), &["fmt", "-check"], "").code, 0);
}

#[test]
fn fmt_diff_and_write_false_show_changes_without_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("main.hcl"), MESSY).expect("write");
    let run = snapform(
        dir.path(),
        &["fmt", "-diff", "-write=false", "-list=false"],
        "",
    );
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.stdout, @r#"
    --- old/main.hcl
    +++ new/main.hcl
    @@ -1,4 +1,4 @@
     resource "tencentcloud_cbs_disk_backup" "a" {
    -disk_id="disk-qs100001"
    +  disk_id          = "disk-qs100001"
       disk_backup_name = "x" # nightly
     }
    "#);
    assert_eq!(
        fs::read_to_string(dir.path().join("main.hcl")).expect("read"),
        MESSY
    );
}

#[test]
fn fmt_refuses_a_file_with_a_syntax_error_and_leaves_it_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = "resource \"tencentcloud_cbs_disk_backup\" \"a\" {\n  disk_id  =\n}\n";
    fs::write(dir.path().join("broken.hcl"), broken).expect("write");
    fs::write(dir.path().join("main.hcl"), MESSY).expect("write");
    let run = snapform(dir.path(), &["fmt"], "");
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr
            .starts_with("broken.hcl:2:13: error: syntax error"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("broken.hcl")).expect("read"),
        broken
    );
    // The valid file next to it is still formatted.
    assert_eq!(
        fs::read_to_string(dir.path().join("main.hcl")).expect("read"),
        TIDY
    );
}

#[test]
fn fmt_recursive_reaches_subdirectories_but_not_hidden_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join("envs/prod")).expect("mkdir");
    fs::create_dir_all(dir.path().join(".snapform")).expect("mkdir");
    fs::write(dir.path().join("envs/prod/main.hcl"), MESSY).expect("write");
    fs::write(dir.path().join(".snapform/cache.hcl"), MESSY).expect("write");
    let flat = snapform(dir.path(), &["fmt", "-check"], "");
    assert_eq!(
        flat.code, 0,
        "without -recursive, subdirectories are left alone"
    );
    let run = snapform(dir.path(), &["fmt", "-recursive"], "");
    assert_eq!(run.stdout, "envs/prod/main.hcl\n", "{}", run.transcript());
    assert_eq!(
        fs::read_to_string(dir.path().join(".snapform/cache.hcl")).expect("read"),
        MESSY
    );
}

#[test]
fn fmt_dash_reads_stdin_and_writes_stdout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = snapform(dir.path(), &["fmt", "-"], MESSY);
    assert_eq!((run.code, run.stdout.as_str()), (0, TIDY), "{}", run.stderr);
    let broken = snapform(dir.path(), &["fmt", "-"], "a = \n");
    assert_eq!(broken.code, 1);
    assert_eq!(broken.stdout, "");
    assert!(
        broken.stderr.contains("<stdin>:1:5: error: syntax error"),
        "{}",
        broken.stderr
    );
    assert_eq!(snapform(dir.path(), &["fmt", "-check", "-"], MESSY).code, 3);
}
