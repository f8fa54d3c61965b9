// Package safeio is the one guarded reader and the one guarded writer for
// every file jrx reads or writes on a user's behalf (model files, session
// files, training state, reports). Nothing above it opens a user's path
// with os.Open, os.ReadFile, os.Create or os.WriteFile.
//
// # Reading
//
// Open and ReadFile accept regular files only. A directory, a named pipe
// (FIFO), a character or block device (/dev/zero, /dev/tty) or a socket is
// refused with an error that names the path the user gave (and the file a
// symlink leads to), before anything is read from it. The file is checked
// with stat before it is opened, and again with fstat on the open
// descriptor; the open itself uses O_NONBLOCK, so a FIFO swapped in between
// cannot make it hang.
//
// Every read goes through a hard byte cap given by the caller: ReadFile
// refuses a file whose size is over the cap without reading it, and a file
// that grows while it is read, or reports a size it does not have (files in
// /proc say 0), stops with an error once the cap is passed. Memory for a
// refused file is therefore bounded by the cap, never by the file.
// Refusals wrap ErrNotRegular or ErrTooLarge (test them with errors.Is).
//
// # Writing
//
// WriteFile streams into a temporary file in the directory of the final
// target, fsyncs it, renames it over the target and (best effort) fsyncs
// the directory: readers see the old file or the new one, never a part,
// and on any error the target is untouched and the temporary file removed.
// Policy, by what the path names:
//
//   - nothing: a new file is created, mode 0644 less the process umask
//     (the kernel applies the umask, as for os.WriteFile(…, 0o644)).
//   - a regular file: it is replaced; its permission bits are kept (not
//     its owner, and a hard link to the old file keeps the old content).
//   - a symlink: the link is followed to its final target (up to 40
//     links; a dangling link names the file to create) and that file is
//     replaced atomically by the rules above; the link itself is kept, so
//     out.json -> runs/today.json updates runs/today.json.
//   - a directory: refused, "PATH is a directory".
//   - a named pipe, a device node or a socket (directly or through a link):
//     refused, and never opened, so /dev/null, /dev/full or a FIFO is not
//     replaced even when jrx runs as root.
//
// Error messages name the path the user gave, never the temporary file
// (errors from the temporary file are re-labelled with that path; errors
// returned by the caller's write function are passed through as they are).
//
// Example:
//
//	b, err := safeio.ReadFile("run.json", 256<<20)
//	...
//	err = safeio.WriteFile("out.csv", func(w io.Writer) error {
//		_, err := fmt.Fprintln(w, "step,loss")
//		return err
//	})
package safeio
