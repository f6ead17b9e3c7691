"""Every issue code, in one registry: its severity, whether it blocks the row checks, what it
means and how to fix it -- and the :class:`Issue` that carries one.

Emitters use the constants below (``codes.NILAI_KOSONG``), never a bare string; the README's
table of codes is generated from the registry: ``python -m kinerja_pipeline.codes --markdown``.
"""
from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Issue:
    """One problem found in a returned file, at a cell (``sheet!A1``), in Indonesian."""

    code: str
    severity: str
    sheet: str
    cell: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Code:
    """What the registry knows of one code."""

    code: str
    severities: tuple[str, ...]  # ERROR and/or WARNING
    blocking: bool               # the file is not a current form of ours: its rows are not checked
    state_dependent: bool        # a refusal resting on the state at the time, not on the file
    means: str
    fix: str


REGISTRY: dict[str, Code] = {}


def _code(code: str, severity: str, means: str, fix: str, *, blocking: bool = False,
          state_dependent: bool = False) -> str:
    """Register one code; returns the code (a plain string, as stored in the ledger and JSON)."""
    assert code not in REGISTRY, code
    severities = (ERROR, WARNING) if severity == "both" else (severity,)
    REGISTRY[code] = Code(code, severities, blocking, state_dependent, means, fix)
    return code


# --------------------------------------------------------------------------- the file itself
BUKAN_SPREADSHEET = _code(
    "bukan-spreadsheet", ERROR, "Berkas bukan buku kerja yang dapat dibaca (PDF, Word, CSV, .xlsb …).",
    "Minta unit mengirim formulir .xlsx yang dikirim operator.", blocking=True)
BERKAS_KOSONG = _code(
    "berkas-kosong", ERROR, "Berkas berukuran 0 bita.", "Minta unit mengirim ulang berkasnya.", blocking=True)
BERKAS_RUSAK = _code(
    "berkas-rusak", ERROR, "Berkas terpotong atau rusak saat dikirim.",
    "Minta unit membuka dan menyimpan ulang formulirnya sebagai .xlsx lalu mengirim ulang.", blocking=True)
BERKAS_BERKATA_SANDI = _code(
    "berkas-berkata-sandi", ERROR, "Berkas dilindungi kata sandi.",
    "Minta unit membuka proteksi kata sandi lalu mengirim ulang.", blocking=True)
BERKAS_BERBAHAYA = _code(
    "berkas-berbahaya", ERROR, "Berkas memuat struktur yang tidak dimiliki formulir normal (DTD, "
    "entitas XML, kompresi ekstrem).", "Jangan dibuka; minta unit mengisi ulang formulir asli.", blocking=True)
BERKAS_TERLALU_BESAR = _code(
    "berkas-terlalu-besar", ERROR, "Berkas, sheet, atau teksnya melampaui batas keamanan.",
    "Minta unit menghapus isi di luar tabel formulir lalu mengirim ulang.",
    blocking=True)
BERKAS_TIDAK_TERBACA = _code(
    "berkas-tidak-terbaca", ERROR, "Berkas tidak dapat dibaca sebagai formulir.",
    "Minta unit menyimpan ulang formulirnya sebagai .xlsx lalu mengirim ulang.",
    blocking=True)
BUKAN_FORMULIR = _code(
    "bukan-formulir", ERROR, "Buku kerja tanpa lembar identitas formulir kinerja-pipeline.",
    "Minta unit mengisi formulir yang dikirim operator, bukan berkas buatan sendiri.", blocking=True)

# --------------------------------------------------------------------------- the form's identity
UNIT_TIDAK_COCOK = _code(
    "unit-tidak-cocok", ERROR, "Lembar identitas formulir diubah ke unit lain; formulir itu milik unit "
    "yang tertulis di kepala lembar data.", "Isi formulir unit sendiri tanpa mengubah lembar identitasnya, "
    "lalu kirim ulang.", blocking=True)
VERSI_FORMULIR_USANG = _code(
    "versi-formulir-usang", ERROR, "Formulir dibuat oleh versi program yang lain.",
    "Minta formulir terbaru kepada operator lalu isi ulang.", blocking=True)
UNIT_TIDAK_DIKENAL = _code(
    "unit-tidak-dikenal", ERROR, "Unit formulir tidak terdaftar sebagai unit pelapor.",
    "Pakai formulir unit sendiri.", blocking=True)
TRIWULAN_TIDAK_DIKENAL = _code(
    "triwulan-tidak-dikenal", ERROR, "Triwulan di lembar identitas bukan 1–4.",
    "Minta formulir baru kepada operator.", blocking=True)
TAHUN_TIDAK_DIKENAL = _code(
    "tahun-tidak-dikenal", ERROR, "Tahun formulir tidak punya berkas target di aturan.",
    "Pakai formulir tahun berjalan.", blocking=True)
SHEET_HILANG = _code(
    "sheet-hilang", ERROR, "Sheet data formulir tidak ada (diganti nama atau dihapus).",
    "Pakai formulir asli tanpa mengubah nama sheet.", blocking=True)
FORMULIR_USANG = _code(
    "formulir-usang", ERROR, "Target atau daftar indikator sudah berubah sejak formulir dibuat, atau "
    "lembar identitasnya diubah.", "Minta formulir terbaru, salin isian ke sana, lalu kirim ulang.", blocking=True)
DI_LUAR_LINGKUP = _code(
    "di-luar-lingkup", ERROR, "Formulir unit di luar lingkup workspace ini (workspace satu Kanwil atau "
    "bagian).", "Kirim berkasnya ke kantor yang membawahi unit itu.", blocking=True)
PERIODE_BELUM_BERAKHIR = _code(
    "periode-belum-berakhir", ERROR, "Formulir diterima jauh sebelum triwulannya berakhir.",
    "Isi formulir triwulan yang sedang diminta; bila formulirnya benar, letakkan lagi berkas yang sama "
    "setelah triwulan berakhir.", state_dependent=True)
DATA_TERKUNCI = _code(
    "data-terkunci", ERROR, "Data unit dan triwulan itu sudah disetujui sehingga terkunci.",
    "Minta pemegang persetujuan menarik persetujuannya (kinerja unapprove), lalu letakkan lagi "
    "berkasnya.", state_dependent=True)

# --------------------------------------------------------------------------- the input cells
NILAI_KOSONG = _code(
    "nilai-kosong", ERROR, "Sel isian wajib belum diisi.", "Isi angkanya (0 bila memang nol).")
NILAI_BUKAN_ANGKA = _code(
    "nilai-bukan-angka", ERROR, "Sel isian berisi teks yang bukan angka.",
    "Ketik angkanya saja, tanpa satuan; desimal memakai koma.")
ANGKA_AMBIGU = _code(
    "angka-ambigu", ERROR, "Jumlah bulat diketik sebagai teks dengan koma ('1,000': 1 atau 1000?).",
    "Ketik angkanya saja tanpa titik atau koma.")
RUMUS_DI_SEL_ISIAN = _code(
    "rumus-di-sel-isian", WARNING, "Sel isian berisi rumus; nilai tersimpannya yang dipakai.",
    "Pastikan hasil rumus itu benar, atau ketik angkanya langsung.")
RUMUS_TANPA_NILAI = _code(
    "rumus-tanpa-nilai", ERROR, "Sel isian berisi rumus tanpa nilai tersimpan (berkas tidak "
    "dihitung ulang sebelum disimpan).", "Ketik angkanya langsung di sel itu.")
GALAT_EXCEL = _code(
    "galat-excel", ERROR, "Sel berisi galat Excel seperti #DIV/0!.",
    "Ganti rumusnya dengan nilai angka.")
DI_LUAR_BATAS = _code(
    "di-luar-batas", ERROR, "Angka di luar batas indikator (mis. negatif, persen di atas 100).",
    "Periksa kembali angkanya.")
BUKAN_BILANGAN_BULAT = _code(
    "bukan-bilangan-bulat", ERROR, "Indikator jumlah (orang, kejadian …) diisi pecahan.",
    "Bulatkan sesuai data sebenarnya.")
PEMBILANG_LEBIH_BESAR = _code(
    "pembilang-lebih-besar", ERROR, "Pembilang lebih besar dari penyebut.",
    "Periksa apakah keduanya tertukar.")
PENYEBUT_NOL = _code(
    "penyebut-nol", ERROR, "Penyebut 0 sehingga persentase tidak dapat dihitung.",
    "Isi penyebut yang sebenarnya, atau jelaskan dan hubungi operator.")
PENJELASAN_WAJIB = _code(
    "penjelasan-wajib", ERROR, "Capaian di luar rentang kebijakan tetapi Penjelasan/Kendala kosong.",
    "Tulis penyebab dan tindak lanjutnya.")
BUKTI_WAJIB = _code(
    "bukti-wajib", ERROR, "Bukti dukung wajib untuk indikator ini tetapi kosong.",
    "Isi nomor dokumen, nama berkas, atau tautan.")
TARGET_DIUBAH = _code(
    "target-diubah", ERROR, "Target resmi di formulir diubah.",
    "Kembalikan ke nilai resmi; perubahan target hanya melalui revisi Perjanjian Kinerja.")
BARIS_DIUBAH = _code(
    "baris-diubah", ERROR, "Baris indikator disisipkan, dihapus, atau ditukar.",
    "Pakai formulir asli tanpa mengubah baris.")
TEKS_TERLALU_PANJANG = _code(
    "teks-terlalu-panjang", WARNING, "Penjelasan atau bukti dukung lebih dari 2.000 karakter.",
    "Ringkas, lampirkan rinciannya sebagai bukti dukung.")
PENCILAN_TARGET = _code(
    "pencilan-target", WARNING, "Capaian sangat jauh dari target.",
    "Pastikan angkanya benar (salah ketik, satuan, kumulatif?).")
PENCILAN_TRIWULAN = _code(
    "pencilan-triwulan", WARNING, "Realisasi berubah berlipat dibanding triwulan sebelumnya.",
    "Pastikan angkanya benar.")
ANGGARAN_KOSONG = _code(
    "anggaran-kosong", WARNING, "Realisasi anggaran suatu kegiatan belum diisi.",
    "Isi belanja triwulan ini (0 bila belum ada).")
ANGGARAN_MELEBIHI_PAGU = _code(
    "anggaran-melebihi-pagu", WARNING, "Realisasi anggaran melebihi pagu kegiatan.",
    "Pastikan angka dan satuannya.")

# --------------------------------------------------------------------------- the sheet
SEL_DIGABUNG = _code(
    "sel-digabung", "both", "Sel digabung (merge); galat bila menyentuh baris isian.",
    "Batalkan penggabungan sel (Unmerge).")
SEL_TAMBAHAN = _code(
    "sel-tambahan", WARNING, "Ada isian di luar sel isian formulir (tidak dibaca).",
    "Pindahkan keterangan ke kolom Penjelasan atau Bukti Dukung.")
TANDA_TANGAN_KOSONG = _code(
    "tanda-tangan-kosong", WARNING, "Nama atau NIP kepala unit di blok pengesahan kosong.",
    "Isi nama dan NIP kepala unit.")
TANGGAL_TIDAK_VALID = _code(
    "tanggal-tidak-valid", WARNING, "Tanggal pengesahan bukan tanggal (mis. 'kemarin').",
    "Ketik tanggalnya, mis. 10-04-2026.")
NIP_TIDAK_VALID = _code(
    "nip-tidak-valid", WARNING, "NIP bukan 18 digit angka.", "Ketik ulang NIP sebagai teks.")

# --------------------------------------------------------------------------- packages (kinerja kirim)
KIRIMAN_RUSAK = _code(
    "kiriman-rusak", ERROR, "Kiriman kantor bawahan tidak lengkap atau tidak terbaca.",
    "Minta kantor pengirim membuat ulang kiriman dengan 'kinerja kirim'.", blocking=True)
KIRIMAN_VERSI = _code(
    "kiriman-versi", ERROR, "Kiriman dibuat dengan versi format yang lain.",
    "Samakan versi kinerja-pipeline di kedua kantor, lalu buat ulang kiriman.", blocking=True)
KIRIMAN_DIUBAH = _code(
    "kiriman-diubah", ERROR, "Isi kiriman diubah setelah dibuat (checksum, sheet, atau kolom tidak cocok).",
    "Minta kiriman asli dari kantor pengirim.", blocking=True)
KIRIMAN_ATURAN_BERBEDA = _code(
    "kiriman-aturan-berbeda", ERROR, "Kiriman dibuat dengan aturan yang berbeda dari aturan kantor ini.",
    "Samakan aturan (rules/) kedua kantor, lalu buat ulang kiriman.", blocking=True)
KIRIMAN_DI_LUAR_LINGKUP = _code(
    "kiriman-di-luar-lingkup", ERROR, "Kiriman dari simpul di luar lingkup workspace ini.",
    "Proses kiriman itu di kantor yang membawahi simpulnya.", blocking=True)
KIRIMAN_UNIT_DI_LUAR_SIMPUL = _code(
    "kiriman-unit-di-luar-simpul", ERROR, "Kiriman memuat unit yang tidak berada di bawah simpul pengirim.",
    "Minta kantor pengirim membuat ulang kiriman dari workspace lingkupnya sendiri.", blocking=True)
KIRIMAN_KOSONG = _code(
    "kiriman-kosong", ERROR, "Kiriman tidak memuat data unit apa pun.",
    "Minta kantor pengirim mengirim setelah ada data unit yang diterima.", blocking=True)
KIRIMAN_TAHUN_TIDAK_DIKENAL = _code(
    "kiriman-tahun-tidak-dikenal", ERROR, "Tahun kiriman tidak punya berkas target di aturan.",
    "Pastikan aturan kedua kantor memuat tahun itu.", blocking=True)
NILAI_BERBEDA_ASAL = _code(
    "nilai-berbeda-asal", WARNING, "Data satu unit datang langsung dan lewat kiriman, dengan nilai berbeda.",
    "Pastikan mana yang benar; yang diterima paling akhir yang dipakai.")

# --------------------------------------------------------------------------- review
DITOLAK_PEMERIKSA = _code(
    "ditolak-pemeriksa", ERROR, "Pemeriksa menyatakan data Tidak Valid (kinerja reject).",
    "Perbaiki sesuai alasan pemeriksa lalu kirim ulang.")

#: Codes after which a file's rows are not checked (it is not a current form of ours).
BLOCKING = frozenset(c.code for c in REGISTRY.values() if c.blocking)
#: Refusals that depend on the state at the time, not on the file: the same bytes dropped again
#: later are checked again instead of being called duplicates.
STATE_DEPENDENT = frozenset(c.code for c in REGISTRY.values() if c.state_dependent)

_SEVERITY_ID = {ERROR: "kesalahan", WARNING: "peringatan"}  # as the feedback workbook says


def markdown() -> str:
    """The README's table of codes, from the registry."""
    lines = ["| kode | tingkat | menghentikan pemeriksaan isian | arti | cara memperbaiki |",
             "| --- | --- | --- | --- | --- |"]
    for c in REGISTRY.values():
        severity = " atau ".join(_SEVERITY_ID[s] for s in c.severities)
        lines.append(f"| `{c.code}` | {severity} | {'ya' if c.blocking else 'tidak'} | {c.means} "
                     f"| {c.fix} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - python -m kinerja_pipeline.codes --markdown
    if sys.argv[1:] != ["--markdown"]:
        sys.exit("Pakai: python -m kinerja_pipeline.codes --markdown")
    sys.stdout.write(markdown())
