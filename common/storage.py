"""A stored upload as a path on this machine, for code that reads files by path (the importer, openpyxl).

On the local disk (FileSystemStorage) that is the file itself. On a bucket
every machine reaches (S3Storage) it is a copy in a temporary folder,
downloaded first and deleted after, and the reports written beside the copy
are put back beside the stored file.
"""
import contextlib
import os
import shutil
import tempfile

from django.core.files.storage import FileSystemStorage


def on_this_disk(storage) -> bool:
    return isinstance(storage, FileSystemStorage)


@contextlib.contextmanager
def local_path(field_file, *, beside=()):
    """Yield a local path of `field_file`; afterwards `<name>.<suffix>` for each of `beside` goes back to its storage.

    A `beside` file the work left behind replaces the stored one; one it did not write is deleted from the
    storage too (it came from an earlier run and no longer applies). Only where there is a copy: on the
    local disk the work writes beside the file itself.
    """
    storage, name = field_file.storage, field_file.name
    if on_this_disk(storage):
        yield storage.path(name)
        return
    with tempfile.TemporaryDirectory(prefix="ektp-stored-") as folder:
        copy = os.path.join(folder, os.path.basename(name))
        with storage.open(name, "rb") as source, open(copy, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        yield copy
        for suffix in beside:
            stored, written = f"{name}.{suffix}", f"{copy}.{suffix}"
            storage.delete(stored)
            if os.path.exists(written):
                with open(written, "rb") as report:
                    storage.save(stored, report)
