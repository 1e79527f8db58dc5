use super::*;

#[inline(never)]
fn a_function_of_this_program() -> u64 {
    std::hint::black_box(7)
}

#[test]
fn a_libc_function_in_this_process_is_named() {
    let pid = std::process::id();
    let mut s = Symbolizer::default();
    let getpid = libc::getpid as *const () as u64;
    let f = s.lookup(pid, getpid + 1, boot_ns()).expect("mapped");
    assert_eq!(f.func.as_deref(), Some("getpid"), "{f:?}");
    assert_eq!(f.off, 1);
    assert_eq!(f.file_name(), Some("libc.so.6"));
    assert_eq!(f.to_string(), "getpid+0x1 in libc.so.6");
    // The second time is a lookup in the cache: the same frame.
    assert!(Arc::ptr_eq(
        &f,
        &s.lookup(pid, getpid + 1, boot_ns()).unwrap()
    ));
    assert!(s.lookup(pid, 0, boot_ns()).is_none());
}

#[test]
fn the_programs_own_function_is_named() {
    let pid = std::process::id();
    let mut s = Symbolizer::default();
    let at = a_function_of_this_program as *const () as u64;
    let f = s.lookup(pid, at + 2, boot_ns()).expect("mapped");
    // Rust's names are mangled; the function's own name is inside.
    let func = f.func.as_deref().unwrap_or_default();
    assert!(func.contains("a_function_of_this_program"), "{f:?}");
    assert_eq!(f.off, 2);
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    assert_eq!(f.file.as_deref(), exe.to_str());
}

#[test]
fn the_vdso_is_read_from_memory() {
    let pid = std::process::id();
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let Some(vdso) = maps::parse(&maps)
        .into_iter()
        .find(|m| m.object == Object::Vdso)
    else {
        eprintln!("no vDSO mapped: skipped");
        return;
    };
    let mut s = Symbolizer::default();
    let f = s.lookup(pid, vdso.start + 0x10, boot_ns()).expect("mapped");
    assert_eq!(f.file.as_deref(), Some("[vdso]"));
    // Whatever is at the start of the image, the vDSO's ELF was read: its functions are named
    // further in.
    let key = s
        .files
        .keys()
        .find(|k| matches!(k, Object::VdsoImage(_)))
        .cloned();
    assert!(
        key.is_some_and(|k| s.files[&k].is_some()),
        "the vDSO image parsed"
    );
}

/// The lines of this process's maps that map this test program.
fn own_maps() -> String {
    let own = std::fs::read_to_string("/proc/self/maps").unwrap();
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let exe = exe.to_str().unwrap();
    let lines: Vec<&str> = own.lines().filter(|l| l.ends_with(exe)).collect();
    lines.join("\n")
}

/// A `/proc` laid out by hand: process 42 maps this test program, found through its `root`.
#[test]
fn a_forked_child_inherits_and_a_gone_process_is_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let lines = own_maps();
    let p42 = dir.path().join("42");
    std::fs::create_dir(&p42).unwrap();
    std::fs::write(p42.join("maps"), &lines).unwrap();
    std::os::unix::fs::symlink("/", p42.join("root")).unwrap();
    let mut s = Symbolizer::new(dir.path());
    let at = a_function_of_this_program as *const () as u64;
    let f = s.lookup(42, at, boot_ns()).expect("named through root/");
    assert!(
        f.func
            .as_deref()
            .unwrap_or_default()
            .contains("a_function_of_this_program")
    );
    assert!(
        s.lookup(42, 0x10, boot_ns()).is_none(),
        "outside every mapping"
    );
    s.fork(42, 43);
    std::fs::remove_dir_all(&p42).unwrap();
    // Process 43 never had a directory: it has its parent's mappings and the file cache.
    assert_eq!(s.lookup(43, at, boot_ns()).as_deref(), Some(&*f));
    s.forget(42);
    assert!(
        s.lookup(42, at, boot_ns()).is_none(),
        "gone, and what was known of it forgotten"
    );
    assert!(s.procs[&42].gone);
}

/// Maps read before a call entered may lack the mapping it was made from (read between an exec
/// and the loader's mmap of the C library): read again. Read after it, a miss is final.
#[test]
fn a_miss_reads_the_maps_again_only_when_they_predate_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let lines = own_maps();
    let p7 = dir.path().join("7");
    std::fs::create_dir(&p7).unwrap();
    std::os::unix::fs::symlink("/", p7.join("root")).unwrap();
    // The new program's maps as tracer first read them: nothing of this program yet.
    std::fs::write(p7.join("maps"), "").unwrap();
    let mut s = Symbolizer::new(dir.path());
    let at = a_function_of_this_program as *const () as u64;
    let before = boot_ns();
    assert!(s.lookup(7, 0x10, boot_ns()).is_none());
    // Mapped since.
    std::fs::write(p7.join("maps"), lines).unwrap();
    assert!(
        s.lookup(7, at, before).is_none(),
        "a call that entered before the read: its mapping was in what was read, or gone"
    );
    let f = s
        .lookup(7, at, boot_ns())
        .expect("read again for a call after the read");
    assert!(
        f.func
            .as_deref()
            .unwrap_or_default()
            .contains("a_function_of_this_program")
    );
}

/// A child forked while tracer knew its parent's maps from before the parent mapped the file
/// (or did not know them at all), gone before its own were read: the parent's, read again, name
/// the address; a child that execed is not its parent's copy.
#[test]
fn a_gone_forked_childs_address_is_found_in_its_parents_maps_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let p5 = dir.path().join("5");
    std::fs::create_dir(&p5).unwrap();
    std::os::unix::fs::symlink("/", p5.join("root")).unwrap();
    std::fs::write(p5.join("maps"), "").unwrap();
    let mut s = Symbolizer::new(dir.path());
    assert!(s.lookup(5, 0x10, boot_ns()).is_none());
    // The parent maps the program since; its child 6 (forked, no directory: gone) calls.
    std::fs::write(p5.join("maps"), own_maps()).unwrap();
    s.fork(5, 6);
    s.fork(9, 10);
    let at = a_function_of_this_program as *const () as u64;
    assert!(names_own_function(s.lookup(6, at, boot_ns())));
    // A child of a parent tracer never saw: its parent is unknown too, and gone.
    assert!(s.lookup(10, at, boot_ns()).is_none());
    // After an exec the child's mappings are its own.
    s.fork(5, 7);
    s.forget(7);
    assert!(s.lookup(7, at, boot_ns()).is_none());
}

/// The lines of [`own_maps`] with their path changed to `path`.
fn own_maps_as(path: &str) -> String {
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    own_maps().replace(exe.to_str().unwrap(), path)
}

fn names_own_function(f: Option<Arc<UserFrame>>) -> bool {
    f.and_then(|f| f.func.clone())
        .is_some_and(|n| n.contains("a_function_of_this_program"))
}

/// A process that exited after its maps were known (read while it lived, or copied from its
/// parent at the fork: the demos' forked children) took its `map_files` and `root` with it:
/// the file is read by its path as tracer sees it, when that is the file mapped (its device and
/// inode), and not otherwise.
#[test]
fn a_gone_processs_file_is_read_by_its_path_when_it_is_the_one_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let p42 = dir.path().join("42");
    std::fs::create_dir(&p42).unwrap();
    // No `root`, no `map_files`: gone.
    std::fs::write(p42.join("maps"), own_maps()).unwrap();
    let mut s = Symbolizer::new(dir.path());
    let at = a_function_of_this_program as *const () as u64;
    assert!(names_own_function(s.lookup(42, at, boot_ns())));
    // Another file at the path than the one mapped (the device and inode differ): not read.
    let other = dir.path().join("other");
    std::fs::copy("/proc/self/exe", &other).unwrap();
    let p43 = dir.path().join("43");
    std::fs::create_dir(&p43).unwrap();
    std::fs::write(p43.join("maps"), own_maps_as(other.to_str().unwrap())).unwrap();
    let mut s = Symbolizer::new(dir.path());
    let f = s.lookup(43, at, boot_ns()).expect("mapped");
    assert_eq!(f.func, None, "{f:?}");
}

/// A read that failed because the process was gone says nothing of the file: another process
/// that maps it has it read (the uds-stream demo's children, all unnamed in libc once the
/// first read had failed, 2026-12-04).
#[test]
fn a_failed_read_is_not_remembered_for_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // A path tracer's namespace does not hold: only a process's `root` reaches it.
    let maps = own_maps_as("/not-here/prog");
    for pid in ["42", "43"] {
        let p = dir.path().join(pid);
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("maps"), &maps).unwrap();
    }
    let root = dir.path().join("root43");
    std::fs::create_dir_all(root.join("not-here")).unwrap();
    std::os::unix::fs::symlink(
        std::fs::read_link("/proc/self/exe").unwrap(),
        root.join("not-here/prog"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&root, dir.path().join("43/root")).unwrap();
    let mut s = Symbolizer::new(dir.path());
    let at = a_function_of_this_program as *const () as u64;
    let f = s.lookup(42, at, boot_ns()).expect("mapped");
    assert_eq!(f.func, None, "42 is gone and its file out of reach");
    assert!(names_own_function(s.lookup(43, at, boot_ns())));
}
