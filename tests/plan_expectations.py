"""What each development plan says, written by reading the plan (never from the parser).

The three seeds (tests/fixtures/plans/, copies of shared/seeds/) are child-protection
plans; the twelve real plans (tests/fixtures/real-plans/, copies of shared/real-plans/)
are plans of other fields exported from a legal-document website as Markdown, noise
included. tests/test_real_plans.py checks the parser against these expectations and
bench/parser_score.py scores it (bodies recall and precision, deadlines found).

For each plan: its number, issue date, issuing body and coordinator as the plan writes
them; every body its organisation section (or a section of duties by body) assigns,
with whether it is addressed by request ("Đề nghị", "Khuyến khích") and how many duties
it has (None: not counted, the boundary between duties is a matter of taste there); and
every dated report deadline with the bodies that owe it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SEED_DIR = FIXTURES / "plans"
REAL_DIR = FIXTURES / "real-plans"

# The keys of a plan read as JSON (`nhacviec plan import --dry-run --json`), as documented.
PLAN_JSON_KEYS = {
    "number",
    "issued",
    "year",
    "authority",
    "coordinator",
    "agencies",
    "deadlines",
    "targets",
    "events",
}


@dataclass(frozen=True)
class Owners:
    """Who owes a report: `only` these bodies, or every body `but` these."""

    only: tuple[str, ...] = ()
    but: tuple[str, ...] = ()

    def resolve(self, bodies: list[str]) -> list[str]:
        if self.only:
            return list(self.only)
        return [name for name in bodies if name not in self.but]


@dataclass
class Deadline:
    date: str  # ISO
    owners: Owners
    recurrence: str | None = None


@dataclass
class Expected:
    path: Path
    number: str | None
    issued: str | None
    year: int | None
    authority: str | None
    coordinator: str | None
    bodies: list[tuple[str, bool, int | None]]
    deadlines: list[Deadline] = field(default_factory=list)

    @property
    def body_names(self) -> list[str]:
        return [name for name, _, _ in self.bodies]


LDTBXH = "Sở Lao động - Thương binh và Xã hội"
SNNMT = "Sở Nông nghiệp và Môi trường"
SKHCN = "Sở Khoa học và Công nghệ"
NGHE_AN = "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"
DONG_THAP = "ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP"
DAK_LAK = "ỦY BAN NHÂN DÂN TỈNH ĐẮK LẮK"

SEEDS = {
    "000": Expected(
        SEED_DIR / "000_3871e53a5050826a.txt",
        None,
        None,
        2023,
        "Ủy ban nhân dân tỉnh Ninh Thuận",
        LDTBXH,
        [  # IV. TỔ CHỨC THỰC HIỆN, items 1-13; item 6 has two b); items 7, 8 one paragraph
            (LDTBXH, False, 8),
            ("Sở Giáo dục và Đào tạo", False, 4),
            ("Sở Y tế", False, 5),
            ("Sở Tư pháp", False, 3),
            ("Sở Văn hóa, Thể thao và Du lịch", False, 3),
            ("Sở Thông tin và Truyền thông", False, 3),
            ("Sở Kế hoạch và Đầu tư", False, 1),
            ("Sở Tài chính", False, 1),
            ("Công an tỉnh", False, 3),
            ("Tòa án nhân dân tỉnh, Viện Kiểm sát nhân dân tỉnh", True, 2),
            ("Báo Ninh Thuận, Đài Phát thanh và Truyền hình tỉnh", False, 2),
            (
                "Ủy ban Nhân dân Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức đoàn thể chính trị"
                " - xã hội có liên quan",
                True,
                4,
            ),
            ("Ủy ban nhân dân các huyện, thành phố", False, 10),
        ],
        # "các Sở, ban, ngành, đoàn thể và địa phương ... báo cáo định kỳ 6 tháng (trước
        # ngày 15/5) và báo cáo năm (trước ngày 15/11). Kết quả thực hiện gửi Sở LĐTBXH"
        [
            Deadline("2023-05-15", Owners(but=(LDTBXH,)), "yearly"),
            Deadline("2023-11-15", Owners(but=(LDTBXH,)), "yearly"),
        ],
    ),
    "002": Expected(
        SEED_DIR / "002_d40e51dcf3231fc4.txt",
        None,
        None,
        2023,
        "Ủy ban nhân dân huyện An Lão",
        "Phòng Lao động - Thương binh và Xã hội",
        [  # numbering skips 5 and repeats 12; item 4 ends with a paragraph without dash
            ("Phòng Lao động - Thương binh và Xã hội", False, 7),
            ("Phòng Giáo dục và Đào tạo", False, 6),
            ("Phòng Y tế, Trung tâm Y tế", False, 5),
            ("Phòng Văn hóa và Thông tin; Trung tâm Văn hóa - Thông tin và Thể thao", False, 6),
            ("Phòng Tài chính - Kế hoạch", False, 1),
            ("Phòng Tư pháp", False, 1),
            ("Phòng Nội vụ", False, 2),
            ("Công an huyện", False, 3),
            ("Ủy ban Mặt trận Tổ quốc Việt Nam huyện", True, 1),
            ("Huyện Đoàn Thanh niên Cộng sản Hồ Chí Minh", True, 3),
            ("Hội Liên hiệp Phụ nữ huyện, Hội Nông dân huyện, Hội chữ thập đỏ huyện", True, 4),
            ("Liên đoàn Lao động huyện", True, 1),
            ("Ủy ban nhân dân các xã, thị trấn", False, 7),
        ],
        # the report regime is one duty of the communes: "Thực hiện nghiêm chế độ báo cáo
        # về phòng LĐTBXH: Định kỳ ... trước ngày 20/5/2023 và ... trước ngày 15/11/2023"
        [
            Deadline("2023-05-20", Owners(only=("Ủy ban nhân dân các xã, thị trấn",)), "yearly"),
            Deadline("2023-11-15", Owners(only=("Ủy ban nhân dân các xã, thị trấn",)), "yearly"),
        ],
    ),
    "004": Expected(
        SEED_DIR / "004_4295d422e4411f9f.txt",
        None,
        None,
        2025,
        "UBND tỉnh Bình Phước",
        "Sở Y tế",
        [  # V. TỔ CHỨC THỰC HIỆN; item 7 inline after a colon; "+" bullets under one "-"
            ("Sở Y tế", False, 14),
            ("Sở Tài chính", False, 2),
            ("Sở Tư pháp", False, 4),
            ("Sở Giáo dục và Đào tạo", False, 9),
            ("Sở Văn hóa, Thể thao và Du lịch", False, 7),
            ("Công an tỉnh", False, 6),
            ("Sở Khoa học và Công nghệ", False, 1),
            ("Sở Xây dựng", False, 2),
            ("Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh", True, 2),
            (
                "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh, Tỉnh Đoàn, Hội Liên hiệp Phụ nữ Việt Nam"
                " tỉnh và các tổ chức thành viên",
                True,
                3,
            ),
            ("UBND các huyện, thị xã, thành phố", False, 3),
        ],
        # 10/11: every body reports to UBND tỉnh (qua Sở Y tế); 20/11: "Giao Sở Y tế tổng
        # hợp, định kỳ báo cáo ... cho Bộ Y tế và UBND tỉnh": the health department alone
        [
            Deadline("2025-11-10", Owners(but=("Sở Y tế",))),
            Deadline("2025-11-20", Owners(only=("Sở Y tế",)), "yearly"),
        ],
    ),
}

REAL = {
    "KH0204": Expected(  # a budget plan: no body is assigned anything (solutions only)
        REAL_DIR / "CaMau_2025_tai-chinh-ngan-sach_KH0204.md",
        "0204/KH-UBND",
        "2025-11-24",
        2025,
        "ỦY BAN NHÂN DÂN TỈNH CÀ MAU",
        None,
        [],
    ),
    "KH160": Expected(  # "**VI. TỔ CHỨC" / "THỰC HIỆN**"; item 2 a class of bodies with verbs
        REAL_DIR / "CanTho_2025_giam-sat-giam-ngheo_KH160.md",
        "160/KH-UBND",
        "2025-11-19",
        2025,
        "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ",
        SNNMT,  # "phản ánh về Sở Nông nghiệp và Môi trường tổng hợp, báo cáo"
        [
            (SNNMT, False, 3),
            (
                "Các Sở, ngành chủ trì, quản lý, tham gia thực hiện các dự án, tiểu dự án, nội"
                " dung thành phần thuộc Chương trình",
                False,
                2,
            ),
            ("Ủy ban Mặt trận Tổ quốc Việt Nam thành phố", True, 1),
            ("Ủy ban nhân dân cấp xã", False, 4),
        ],
    ),
    "KH0134": Expected(  # "IV. Tổ chức thực hiện." in mixed case; a body of an unlisted kind
        REAL_DIR / "DakLak_2025_quan-trac-thuy-san_KH0134.md",
        "0134/KH-UBND",
        "2025-11-25",
        2025,
        DAK_LAK,
        SNNMT,  # "Tổng hợp kết quả thực hiện, định kỳ báo cáo UBND tỉnh"
        [
            (SNNMT, False, 9),
            ("Sở Tài chính", False, 1),
            ("UBND các xã/phường", False, 4),
            ("Các cơ sở sản xuất giống, NTTS thương phẩm", False, 3),
        ],
    ),
    "KH179": Expected(  # 21 bodies; 14-21 one paragraph each, the name running into the duty
        REAL_DIR / "DongNai_2025_kinh-te-so_KH179.md",
        "179/KH-UBND",
        "2025-11-18",
        2025,
        "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI",
        SKHCN,  # "báo cáo kết quả thực hiện gửi về Sở Khoa học Công nghệ"
        [
            (SKHCN, False, 8),
            ("Sở Tài chính", False, 2),
            (SNNMT, False, 1),
            ("Sở Y tế", False, 2),
            ("Sở Giáo dục và Đào tạo", False, 1),
            ("Sở Văn hóa, Thể thao và Du lịch", False, 1),
            ("Sở Công Thương", False, 1),
            ("Ngân hàng nhà nước Việt Nam - Chi nhánh Khu vực II", False, 1),
            ("Công an tỉnh", False, 1),
            ("Bộ Chỉ huy Quân sự tỉnh", False, 1),
            ("Sở Nội vụ", False, 2),
            ("Sở Ngoại vụ", False, 1),
            ("Sở Xây dựng", False, 1),
            ("Các sở, ban ngành, cơ quan thuộc tỉnh", False, 1),
            ("Báo và Phát thanh, Truyền hình Đồng Nai", False, 1),
            ("Đoàn Thanh niên Cộng sản Hồ Chí Minh tỉnh Đồng Nai", True, 1),  # "Khuyến khích"
            ("Liên đoàn Lao động tỉnh, Hội Nông dân tỉnh, Liên minh Hợp tác xã", True, 1),
            # a paragraph on "Hội, hiệp hội xã hội nghề nghiệp" follows item 18 unnumbered
            (
                "Mặt trận Tổ quốc Việt Nam tỉnh Đồng Nai và các tổ chức chính trị - xã hội",
                True,
                None,
            ),
            ("Các doanh nghiệp công nghệ số", False, 3),
            ("Các doanh nghiệp nhà nước, Tổng Công ty", False, 1),
            ("Các cơ sở đào tạo đại học ở các lĩnh vực ngành, nghề", False, 2),
        ],
        # "Định kỳ 06 tháng ... báo cáo": no date
    ),
    "KH1026": Expected(  # duties under III. PHÂN CÔNG NHIỆM VỤ; IV holds report sentences
        REAL_DIR / "bao-ve-bi-mat-nha-nuoc_KH1026.md",
        "1026/KH-UBND",
        "2025-11-26",
        2025,
        NGHE_AN,
        "Công an tỉnh",
        [
            ("Công an tỉnh", False, 7),  # six bullets, and "Giao Công an tỉnh chủ trì ..." in IV
            ("Bộ Chỉ huy Quân sự tỉnh", False, 2),
            (SKHCN, False, 1),
            ("Sở Nội vụ", False, 1),
            ("Các sở, ban, ngành, đoàn thể cấp tỉnh và UBND các xã, phường", False, 3),
            (
                "Văn phòng Tỉnh ủy và các Ban Xây dựng Đảng và Ủy ban Kiểm tra Tỉnh ủy, Văn"
                " phòng Đoàn đại biểu Quốc hội và HĐND tỉnh, Ủy ban Mặt trận Tổ quốc Việt Nam"
                " tỉnh, Viện kiểm sát nhân dân tỉnh, Tòa án nhân dân tỉnh, Thuế tỉnh, Kiểm toán"
                " nhà nước khu vực II, Kho bạc nhà nước khu vực XI, Ngân hàng nhà nước khu vực"
                " 8, Chi cục Hải quan khu vực XI",
                True,
                1,
            ),
        ],
    ),
    "KH617": Expected(  # "**6. Đề nghị: Hiệp hội" / "Doanh nghiệp tỉnh, ...**"
        REAL_DIR / "chuyen-doi-so-doanh-nghiep_KH617.md",
        "617/KH-UBND",
        "2025-12-01",
        2025,
        DONG_THAP,
        SKHCN,  # "Là cơ quan đầu mối"; reports go to it
        [
            (SKHCN, False, 2),
            ("Sở Tài chính", False, 2),
            ("Sở Công Thương", False, 1),
            ("Sở Văn hoá, Thể thao và Du lịch", False, 1),
            ("Ủy ban nhân dân các xã, phường", False, 1),
            ("Hiệp hội Doanh nghiệp tỉnh, Hội Nông dân tỉnh, Liên minh Hợp tác xã Tỉnh", True, 3),
            ("Các sở, ban, ngành tỉnh, Ủy ban nhân dân các xã, phường", False, 1),
        ],
        # in item 7's duty: "định kỳ trước ngày 01/6 và 15/11 hằng năm ... báo cáo kết quả
        # thực hiện về Sở Khoa học và Công nghệ"; issued 01/12/2025, a standing plan: the
        # first of each is in 2026
        [
            Deadline("2026-06-01", Owners(but=(SKHCN,)), "yearly"),
            Deadline("2026-11-15", Owners(but=(SKHCN,)), "yearly"),
        ],
    ),
    "KH597": Expected(
        REAL_DIR / "chuyen-doi-so-giao-thong_KH597.md",
        "597/KH-UBND",
        "2025-11-27",
        2025,
        DONG_THAP,
        "Sở Xây dựng",
        [
            ("Sở Xây dựng", False, 5),
            (SKHCN, False, 5),
            ("Sở Tài chính", False, 2),
            (SNNMT, False, 3),
            ("Công an Tỉnh", False, 3),
            ("Ủy ban nhân dân cấp xã", False, 6),
            (
                "Các doanh nghiệp hoạt động trong lĩnh vực xây dựng, giao thông, vận tải,"
                " logistics và công nghệ thông tin trên địa bàn Tỉnh",
                False,
                3,
            ),
        ],
        # in the closing: "Định kỳ hằng năm (trước ngày 30 tháng 11) báo cáo kết quả thực
        # hiện về Sở Xây dựng"; issued 27/11/2025
        [Deadline("2025-11-30", Owners(but=("Sở Xây dựng",)), "yearly")],
    ),
    "KH310": Expected(  # "... ĐẾN NĂM 2030": a standing plan, not a plan for 2030
        REAL_DIR / "ha-tang-5G-IoT_KH310.md",
        "310/KH-UBND",
        "2025-11-24",
        2025,
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        "Ban Quản lý các khu công nghệ cao và khu công nghiệp",
        [
            ("Ban Quản lý các khu công nghệ cao và khu công nghiệp", False, 4),
            (SKHCN, False, 3),
            ("Sở Tài chính", False, 2),
            ("Các Sở, ban, ngành của Thành phố, UBND phường, xã", False, 2),
            ("Các doanh nghiệp viễn thông, tổ chức, cá nhân có liên quan", False, 3),
        ],
        # "định kỳ trước ngày 30 tháng 11 hàng năm báo cáo kết quả thực hiện về UBND Thành
        # phố (qua Ban Quản lý ...)"
        [
            Deadline(
                "2025-11-30",
                Owners(but=("Ban Quản lý các khu công nghệ cao và khu công nghiệp",)),
                "yearly",
            )
        ],
    ),
    "KH556": Expected(  # bodies under "IV. NHIỆM VỤ CỤ THỂ"; VI has sentence items
        REAL_DIR / "tai-nguyen-bien_KH556.md",
        "556/KH-UBND",
        "2025-11-19",
        2025,
        DONG_THAP,
        SNNMT,
        [
            (SNNMT, False, 11),  # ten bullets and "Giao Sở Nông nghiệp và Môi trường ..." (VI.5)
            ("Sở Văn hóa, Thể thao và Du lịch", False, 3),
            ("Sở Công Thương", False, 2),
            ("Sở Xây dựng", False, 3),
            (SKHCN, False, 2),
            ("Sở Tài chính", False, 5),
            ("Sở Nội vụ", False, 2),
            ("Sở Giáo dục và Đào tạo", False, 1),
            ("Bộ Chỉ huy Quân sự tỉnh", False, 2),
            ("Công an tỉnh", False, 1),
            ("Ban Quản lý Khu kinh tế tỉnh", False, 1),
            ("Ủy ban nhân dân các xã Gia Thuận, Tân Điền, Gò Công Đông, Tân Phú Đông", False, 3),
            ("Các sở, ngành có liên quan; Ủy ban nhân dân các xã, phường", False, 1),
            ("Các sở, ban, ngành tỉnh có liên quan tới việc thực hiện Kế hoạch này", False, 1),
            ("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các Đoàn thể tỉnh", True, 1),
            ("Các đơn vị, địa phương", False, 1),
        ],
        # "4. Các đơn vị, địa phương ..., định kỳ hàng năm báo cáo kết quả thực hiện về Sở
        # NN&MT chậm nhất ngày 17 tháng 12": every body; a horizon "tầm nhìn đến năm 2050"
        [Deadline("2025-12-17", Owners(but=(SNNMT,)), "yearly")],
    ),
    "KH0124": Expected(
        REAL_DIR / "thi-dua-Dai-hoi-XIV_KH0124.md",
        "0124/KH-UBND",
        "2025-11-18",
        2025,
        DAK_LAK,
        "Sở Nội vụ",  # "(qua Sở Nội vụ)"
        [
            ("Các cơ quan, đơn vị, địa phương, doanh nghiệp", False, 4),
            (
                "Các cấp ủy Đảng, Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã"
                " hội tỉnh",
                True,
                1,
            ),
            ("Sở Văn hóa, Thể thao và Du lịch", False, 1),
            ("Sở Nội vụ", False, 3),
        ],
    ),
    "KH982": Expected(  # "2. Trách nhiệm thực hiện" over "- <body> <duty>" bullets
        REAL_DIR / "thi-dua-Dai-hoi-XIV_KH982.md",
        "982/KH-UBND",
        "2025-11-19",
        2025,
        NGHE_AN,
        "Sở Nội vụ",
        [
            ("Các cơ quan, đơn vị", False, 1),
            ("Ủy ban Mặt trận Tổ quốc tỉnh, các tổ chức chính trị-xã hội", True, 1),
            ("Sở Văn hóa, Thể thao và Du lịch", False, 1),
            ("Hội đồng Thi đua - Khen thưởng các cấp", False, 1),
            ("Sở Nội vụ", False, 1),
        ],
    ),
    "KH980": Expected(  # a web page's furniture before the header; no blank lines
        REAL_DIR / "thi-hanh-nghi-dinh_KH980.md",
        "980/KH-UBND",
        "2025-11-18",
        2025,
        NGHE_AN,
        "Bộ CHQS tỉnh",  # "tổng hợp báo cáo Ủy ban nhân dân tỉnh kết quả thực hiện"
        [
            (
                "Các sở, ban, ngành, tổ chức chính trị - xã hội, Ủy ban nhân dân các xã, phường",
                False,
                1,
            ),
            ("Bộ CHQS tỉnh", False, 1),
            ("Sở Tài chính và Ủy ban nhân dân các xã, phường", False, 1),
        ],
        # "Hằng năm báo cáo ...": no date; the appendix's "Trước ngày 30/11/2025" is a task's
    ),
}

ALL = {**SEEDS, **REAL}
