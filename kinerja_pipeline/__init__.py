"""kinerja-pipeline: pengumpulan data kinerja SAKIP sebagai pekerjaan batch."""

__version__ = "0.1.0"
