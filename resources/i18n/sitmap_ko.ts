<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>AlertsPane</name>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="272" />
        <source>Alert rules…</source>
        <translation>알림 규칙…</translation>
    </message>
</context>
<context>
    <name>AlertsPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/alerts.py" line="34" />
        <source>Alerts</source>
        <translation>경보</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/alerts.py" line="37" />
        <source>Alert rules…</source>
        <translation>알림 규칙…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/alerts.py" line="41" />
        <source>New incident from the selected alert…</source>
        <translation>선택한 알림으로 새 사건…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/alerts.py" line="52" />
        <source>Choose an alert in the Alerts list first</source>
        <translation>먼저 알림 목록에서 알림을 고르십시오</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/alerts.py" line="93" />
        <source>{n} alert rules are on</source>
        <translation>켜진 경보 규칙 {n}개</translation>
    </message>
</context>
<context>
    <name>AppealsDialog</name>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="106" />
        <source>Appeals</source>
        <translation>호소문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="111" />
        <source>No.</source>
        <translation>번호</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="111" />
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="111" />
        <source>Account</source>
        <translation>계정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="111" />
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="112" />
        <source>Responses</source>
        <translation>응답</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="124" />
        <source>New…</source>
        <translation>새로 만들기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="125" />
        <source>Publish…</source>
        <translation>게시…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="126" />
        <source>Collect replies</source>
        <translation>답글 수집</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="127" />
        <source>Show responses on the map</source>
        <translation>응답을 지도에 표시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="131" />
        <source>Close</source>
        <translation>닫기</translation>
    </message>
</context>
<context>
    <name>AppealsPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="176" />
        <source>Appeals…</source>
        <translation>호소문…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="198" />
        <source>Wait: the last publication or collection is still running</source>
        <translation>기다려 주십시오: 이전 게시 또는 수집이 아직 진행 중입니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="239" />
        <source>Appeal {n} was left sending: now {state}</source>
        <translation>호소문 {n}이(가) 전송 중에 멈췄습니다: 이제 {state}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="241" />
        <source>Checking appeals left sending…</source>
        <translation>전송 중에 멈춘 호소문을 확인하는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="259" />
        <source>No account is configured yet: sitmap appeal account add NAME --channel x|facebook</source>
        <translation>설정된 계정이 아직 없습니다: sitmap appeal account add 이름 --channel x|facebook</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="279" />
        <source>Appeal {n} saved ({state})</source>
        <translation>호소문 {n} 저장됨 ({state})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="298" />
        <source>Publish appeal</source>
        <translation>호소문 게시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="299" />
        <source>Not published</source>
        <translation>게시하지 않음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="308" />
        <source>Appeal {n} published: {id}</source>
        <translation>호소문 {n} 게시됨: {id}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="310" />
        <source>Appeal {n} is still queued: {error}</source>
        <translation>호소문 {n}은(는) 아직 대기 중입니다: {error}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="312" />
        <source>Publishing appeal {n} on {account}…</source>
        <translation>호소문 {n}을(를) {account}에 게시하는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="331" />
        <source>Collecting the replies to appeal {n}…</source>
        <translation>호소문 {n}의 답글을 수집하는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="342" />
        <source>No responses collected yet</source>
        <translation>아직 수집된 응답이 없습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="356" />
        <source>{n} responses shown on the map</source>
        <translation>응답 {n}건을 지도에 표시</translation>
    </message>
</context>
<context>
    <name>AssignDialog</name>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="50" />
        <source>Assign to unit</source>
        <translation>부대에 과제 지정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="57" />
        <source>(not reporting)</source>
        <translation>(보고 없음)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="68" />
        <source>Unit</source>
        <translation>부대</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="69" />
        <source>Task</source>
        <translation>과제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="70" />
        <source>On scene within</source>
        <translation>현장 도착 반경</translation>
    </message>
</context>
<context>
    <name>AuditPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="66" />
        <source>All operators</source>
        <translation>모든 근무자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="69" />
        <source>All actions</source>
        <translation>모든 행위</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="74" />
        <source>From</source>
        <translation>부터</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="75" />
        <source>To</source>
        <translation>까지</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="86" />
        <source>item number</source>
        <translation>항목 번호</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="89" />
        <source>Show all</source>
        <translation>전체 보기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="97" />
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="97" />
        <source>Operator</source>
        <translation>담당자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="97" />
        <source>Workstation</source>
        <translation>작업 단말</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="98" />
        <source>Action</source>
        <translation>동작</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="98" />
        <source>Purpose</source>
        <translation>목적</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="98" />
        <source>Case</source>
        <translation>사건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="99" />
        <source>Objects</source>
        <translation>대상</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="99" />
        <source>Detail</source>
        <translation>내용</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="112" />
        <source>Verify chain</source>
        <translation>체인 검증</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="121" />
        <source>Copy head</source>
        <translation>헤드 복사</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="123" />
        <source>Note the head elsewhere (a notebook, a message to a supervisor): 'sitmap audit verify --head SEQ:HASH' later proves that nothing up to it was changed</source>
        <translation>헤드를 다른 곳(수첩, 감독자에게 보내는 메시지)에 적어 두세요: 나중에 'sitmap audit verify --head SEQ:HASH'로 그때까지의 기록이 바뀌지 않았음을 증명합니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="142" />
        <source>Head:</source>
        <translation>헤드:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="167" />
        <source>collect</source>
        <translation>수집</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="167" />
        <source>consult</source>
        <translation>열람</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="167" />
        <source>alter</source>
        <translation>변경</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="168" />
        <source>disclose</source>
        <translation>제공</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="168" />
        <source>erase</source>
        <translation>삭제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="168" />
        <source>session</source>
        <translation>세션</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="171" />
        <location filename="../../desktop/ui/panels/audit.py" line="174" />
        <source>Audit trail</source>
        <translation>감사 기록</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="299" />
        <source>Time ({zone})</source>
        <translation>시각 ({zone})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="313" />
        <source>{n} entries naming item {id}</source>
        <translation>항목 {id}에 관한 기록 {n}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="314" />
        <source>{n} entries</source>
        <translation>기록 {n}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="315" />
        <source>(empty)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="357" />
        <source>OK: {n} entries, the chain holds</source>
        <translation>정상: 기록 {n}건, 체인이 온전합니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/audit.py" line="368" />
        <source>Audit head copied: {head}</source>
        <translation>감사 기록 헤드를 복사했습니다: {head}</translation>
    </message>
</context>
<context>
    <name>BasemapControl</name>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="33" />
        <location filename="../../desktop/ui/basemap_menu.py" line="70" />
        <source>Basemap</source>
        <translation>배경지도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="44" />
        <source>Add basemap pack (MBTiles, PMTiles)…</source>
        <translation>배경지도 팩 추가 (MBTiles, PMTiles)…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="45" />
        <source>Show district outlines</source>
        <translation>행정구역 경계 표시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="50" />
        <source>Online: OpenStreetMap (tiles cached for offline use)</source>
        <translation>온라인: OpenStreetMap (타일은 오프라인용으로 저장)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="57" />
        <source>Remove “{name}”</source>
        <translation>“{name}” 제거</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="61" />
        <source>Add basemap pack</source>
        <translation>배경지도 팩 추가</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="62" />
        <source>Tile packs (*.mbtiles *.pmtiles);;All files (*)</source>
        <translation>타일 팩 (*.mbtiles *.pmtiles);;모든 파일 (*)</translation>
    </message>
</context>
<context>
    <name>CampaignDialog</name>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="96" />
        <source>words, separated by commas</source>
        <translation>쉼표로 구분한 단어</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="104" />
        <source>saved areas or districts, separated by commas (empty: anywhere)</source>
        <translation>저장한 지역 또는 행정구역, 쉼표로 구분 (비우면 전체)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="105" />
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="106" />
        <source>Hashtags</source>
        <translation>해시태그</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="107" />
        <source>Keywords</source>
        <translation>키워드</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="108" />
        <source>From</source>
        <translation>부터</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="109" />
        <source>To</source>
        <translation>까지</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="110" />
        <source>Areas</source>
        <translation>구역</translation>
    </message>
</context>
<context>
    <name>CampaignsPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="157" />
        <source>New…</source>
        <translation>새로 만들기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="158" />
        <source>Edit…</source>
        <translation>편집…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="159" />
        <source>Remove</source>
        <translation>삭제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="160" />
        <source>Report…</source>
        <translation>보고서…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="166" />
        <source>Districts on the map</source>
        <translation>지도에 지역 표시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="171" />
        <source>시군구 (built-in)</source>
        <translation>시군구 (기본)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="171" />
        <source>시도 (built-in)</source>
        <translation>시도 (기본)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="172" />
        <source>읍면동 (built-in)</source>
        <translation>읍면동 (기본)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="176" />
        <source>Compare with</source>
        <translation>비교 대상</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="184" />
        <location filename="../../desktop/ui/panels/campaigns.py" line="454" />
        <source>Figure</source>
        <translation>항목</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="185" />
        <source>District</source>
        <translation>구역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="185" />
        <source>In</source>
        <translation>포함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="185" />
        <source>Exact</source>
        <translation>정확</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="186" />
        <source>Place</source>
        <translation>장소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="186" />
        <source>Inferred</source>
        <translation>추정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="186" />
        <source>Possibly in</source>
        <translation>포함 가능</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="187" />
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="187" />
        <source>Author</source>
        <translation>작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="187" />
        <location filename="../../desktop/ui/panels/campaigns.py" line="452" />
        <source>Engagement</source>
        <translation>참여도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="188" />
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="218" />
        <location filename="../../desktop/ui/panels/campaigns.py" line="262" />
        <source>Campaigns</source>
        <translation>캠페인</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="234" />
        <source>{file} (loaded)</source>
        <translation>{file} (불러옴)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="387" />
        <source>(none)</source>
        <translation>(없음)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="430" />
        <source>No campaign. New… defines one by its hashtags and period.</source>
        <translation>캠페인이 없습니다. 새로 만들기…에서 해시태그와 기간으로 정의하세요.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="437" />
        <source>{name}: {tags}, {period} ({utc}); {n} posts</source>
        <translation>{name}: {tags}, {period} ({utc}); 게시물 {n}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="446" />
        <source>Posts</source>
        <translation>게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="446" />
        <source>Unique authors</source>
        <translation>작성자 수</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="447" />
        <source>New authors</source>
        <translation>신규 작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="447" />
        <source>Returning authors</source>
        <translation>재참여 작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="448" />
        <source>Located exactly</source>
        <translation>정확한 위치</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="448" />
        <source>Located by place</source>
        <translation>장소명 위치</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="449" />
        <source>Located by inference</source>
        <translation>추정 위치</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="449" />
        <source>Not located</source>
        <translation>위치 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="450" />
        <source>In a district</source>
        <translation>지역에 포함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="450" />
        <source>Districts with posts</source>
        <translation>게시물이 있는 지역 수</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="451" />
        <source>Posts with engagement counts</source>
        <translation>참여도 수치가 있는 게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="452" />
        <source>Impressions (estimated)</source>
        <translation>노출 수 (추정)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="453" />
        <source>Busiest interval</source>
        <translation>가장 많은 구간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="453" />
        <source>Authors in both</source>
        <translation>양쪽 모두의 작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="497" />
        <location filename="../../desktop/ui/panels/campaigns.py" line="583" />
        <source>Campaign</source>
        <translation>캠페인</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="507" />
        <source>New campaign</source>
        <translation>새 캠페인</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="519" />
        <source>Edit campaign</source>
        <translation>캠페인 편집</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="529" />
        <location filename="../../desktop/ui/panels/campaigns.py" line="563" />
        <source>Campaign report</source>
        <translation>캠페인 보고서</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="530" />
        <source>PDF report (*.pdf);;JSON (*.json);;CSV (*.csv)</source>
        <translation>PDF 보고서 (*.pdf);;JSON (*.json);;CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="570" />
        <source>Campaign report written: {path}</source>
        <translation>캠페인 보고서 작성: {path}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="577" />
        <source>Remove campaign</source>
        <translation>캠페인 삭제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/campaigns.py" line="578" />
        <source>Remove the campaign {name}? Its posts stay.</source>
        <translation>캠페인 {name}을(를) 삭제할까요? 게시물은 그대로 남습니다.</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="202" />
        <location filename="../../desktop/ui/live_widgets.py" line="223" />
        <source>All Chat Rooms</source>
        <translation>전체 대화방</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="203" />
        <source>Message to the field…</source>
        <translation>현장에 보낼 메시지…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="205" />
        <source>Send</source>
        <translation>보내기</translation>
    </message>
</context>
<context>
    <name>ChatPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/chat.py" line="33" />
        <source>Field chat</source>
        <translation>현장 대화</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/chat.py" line="57" />
        <source>Message stored; sent to {n} TAK connection(s)</source>
        <translation>메시지를 저장했습니다. TAK 연결 {n}개로 보냈습니다</translation>
    </message>
</context>
<context>
    <name>DailyPurge</name>
    <message>
        <location filename="../../desktop/ui/daily_purge.py" line="130" />
        <source>The retention purge failed: {error}</source>
        <translation>보존 기간 삭제에 실패했습니다: {error}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/daily_purge.py" line="151" />
        <source>Retention purge: {n} items past their retention period erased</source>
        <translation>보존 기간 삭제: 보존 기간이 지난 항목 {n}건을 삭제했습니다</translation>
    </message>
</context>
<context>
    <name>DetailsPane</name>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="57" />
        <source>Select an item in the feed or on the map to see its details.</source>
        <translation>피드나 지도에서 항목을 선택하면 자세한 내용이 표시됩니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="82" />
        <source>Not in the current view: outside the time window or the filters.</source>
        <translation>지금 보이는 범위 밖의 항목입니다: 시간 범위나 필터를 벗어났습니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="89" />
        <location filename="../../desktop/ui/details_pane.py" line="209" />
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="121" />
        <source>Who saw this…</source>
        <translation>누가 봤나…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="123" />
        <source>Everyone who viewed, changed, exported or sent this item (audit trail)</source>
        <translation>이 항목을 열람·변경·내보내기·전송한 모든 사람(감사 기록)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="126" />
        <source>Thread…</source>
        <translation>스레드…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="128" />
        <source>The post and the replies or comments of its conversation</source>
        <translation>게시물과 그 대화의 답글·댓글</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="132" />
        <source>Open source in browser…</source>
        <translation>원문을 브라우저에서 열기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="141" />
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="142" />
        <source>Author</source>
        <translation>작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="143" />
        <source>Author ID</source>
        <translation>작성자 ID</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="144" />
        <source>Callsign</source>
        <translation>호출부호</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="145" />
        <source>Unit UID</source>
        <translation>부대 UID</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="146" />
        <source>CoT type</source>
        <translation>CoT 유형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="147" />
        <source>Team / role</source>
        <translation>팀 / 역할</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="148" />
        <source>Course / speed</source>
        <translation>방향 / 속도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="149" />
        <source>Position source</source>
        <translation>위치 출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="150" />
        <source>Stale after</source>
        <translation>만료 시각</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="151" />
        <source>Chat</source>
        <translation>채팅</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="152" />
        <source>Unit now</source>
        <translation>부대 현재 상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="153" />
        <source>Source</source>
        <translation>출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="154" />
        <source>Source ID</source>
        <translation>출처 ID</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="155" />
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="156" />
        <source>Hashtags</source>
        <translation>해시태그</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="157" />
        <source>Location</source>
        <translation>위치</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="158" />
        <source>How placed</source>
        <translation>위치 추정 근거</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="159" />
        <source>Coordinates</source>
        <translation>좌표</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="160" />
        <source>Place</source>
        <translation>장소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="161" />
        <source>Links</source>
        <translation>링크</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="162" />
        <source>Reply to</source>
        <translation>답글 대상</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="163" />
        <source>Quote of</source>
        <translation>인용 원문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="164" />
        <source>Retweet of</source>
        <translation>리트윗 원문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="165" />
        <source>Other</source>
        <translation>기타</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="166" />
        <source>Changed elsewhere</source>
        <translation>다른 곳에서 변경</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="167" />
        <source>Replied</source>
        <translation>답변함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="203" />
        <source>Field update</source>
        <translation>현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="203" />
        <source>Post</source>
        <translation>게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="209" />
        <source>Remarks</source>
        <translation>비고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="214" />
        <source>EMERGENCY</source>
        <translation>긴급</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="230" />
        <source>exact</source>
        <translation>정확</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="230" />
        <source>place</source>
        <translation>장소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="230" />
        <source>inferred</source>
        <translation>추정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="231" />
        <source>unknown</source>
        <translation>모름</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="241" />
        <source>exact position, accuracy unknown (the sender did not say)</source>
        <translation>정확한 위치, 정확도 모름 (보낸 쪽이 알리지 않음)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="260" />
        <source>%1 (%2, %3)</source>
        <translation>%1 (%2, %3)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="270" />
        <source>place from the source: %1, %2</source>
        <translation>출처가 준 장소: %1, %2</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="273" />
        <source>placed from %1 in the text, %2, confidence %3</source>
        <translation>본문의 %1(으)로 추정, %2, 신뢰도 %3</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="276" />
        <source>placed from the text, %2, confidence %3</source>
        <translation>본문으로 추정, %2, 신뢰도 %3</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="278" />
        <source>(weak: the author's profile location)</source>
        <translation>(약함: 작성자 프로필의 위치)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="282" />
        <source>gazetteer entry: %1</source>
        <translation>지명 사전 항목: %1</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="280" />
        <source>the agency's own</source>
        <translation>기관 자체 항목</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="309" />
        <source>last report %1</source>
        <translation>마지막 보고 %1</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="312" />
        <source>stale after %1</source>
        <translation>%1 이후 만료</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="334" />
        <source>Open source in browser</source>
        <translation>원문을 브라우저에서 열기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="336" />
        <source>Open this address in your web browser?</source>
        <translation>이 주소를 웹 브라우저에서 열까요?</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="337" />
        <source>The page is outside Sitmap and may be hostile.</source>
        <translation>이 페이지는 Sitmap 밖에 있으며 위험할 수 있습니다.</translation>
    </message>
</context>
<context>
    <name>DistrictDialog</name>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="158" />
        <source>Districts — {name}</source>
        <translation>행정구역 — {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="59" />
        <location filename="../../desktop/ui/district_dialog.py" line="159" />
        <source>Filter by name or code (e.g. 종로, Jongno, 11)</source>
        <translation>이름 또는 코드로 찾기 (예: 종로, Jongno, 11)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="55" />
        <source>Built-in: 시도 / 시군구 / 읍면동 (KOSTAT 2018)</source>
        <translation>기본 제공: 시도 / 시군구 / 읍면동 (통계청 2018)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="56" />
        <source>From a file…</source>
        <translation>파일에서…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="88" />
        <source>Districts — built-in (KOSTAT 2018)</source>
        <translation>행정구역 — 기본 제공 (통계청 2018)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="89" />
        <source>Search by name, in Korean or English (명동, Myeong, 종로구)</source>
        <translation>이름으로 검색, 한글 또는 영문 (명동, Myeong, 종로구)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="93" />
        <source>province</source>
        <translation>시도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="93" />
        <source>district</source>
        <translation>시군구</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="94" />
        <source>neighbourhood</source>
        <translation>읍면동</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="108" />
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="108" />
        <source>English</source>
        <translation>영문 이름</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="108" />
        <source>Code</source>
        <translation>코드</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="108" />
        <source>Level</source>
        <translation>단계</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="127" />
        <source>Districts</source>
        <translation>행정구역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="139" />
        <location filename="../../desktop/ui/district_dialog.py" line="147" />
        <source>Boundary file</source>
        <translation>경계 파일</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="140" />
        <source>Boundaries (*.geojson *.json *.shp *.gpkg *.kml);;All files (*)</source>
        <translation>경계 파일 (*.geojson *.json *.shp *.gpkg *.kml);;모든 파일 (*)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="157" />
        <source>From a file: {name}</source>
        <translation>파일에서: {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="165" />
        <source>Province</source>
        <translation>시도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="66" />
        <source>Exclude these areas instead</source>
        <translation>이 구역을 제외</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="68" />
        <source>Names repeat across cities (중구, 강서구): the province tells them apart.</source>
        <translation>이름이 여러 도시에 있습니다 (중구, 강서구): 시도로 구별하세요.</translation>
    </message>
</context>
<context>
    <name>ErrorReporter</name>
    <message>
        <location filename="../../desktop/ui/app.py" line="55" />
        <source>Something went wrong inside Sitmap ({kind}: {msg}). What you were doing may not have finished; the cache keeps everything already saved.

The details are in {log}.</source>
        <translation>Sitmap 내부에서 문제가 생겼습니다 ({kind}: {msg}). 하던 작업이 끝나지 않았을 수 있지만, 이미 저장된 내용은 캐시에 그대로 있습니다.

자세한 내용은 {log}에 있습니다.</translation>
    </message>
</context>
<context>
    <name>ExportPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="63" />
        <source>Export…</source>
        <translation>내보내기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="76" />
        <source>GeoJSON (*.geojson)</source>
        <translation>GeoJSON (*.geojson)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="76" />
        <source>CSV for Excel (*.csv)</source>
        <translation>엑셀용 CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="77" />
        <source>GeoPackage (*.gpkg)</source>
        <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="77" />
        <source>KML for Google Earth (*.kml)</source>
        <translation>구글 어스용 KML (*.kml)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="78" />
        <source>KMZ for Google Earth (*.kmz)</source>
        <translation>구글 어스용 KMZ (*.kmz)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="90" />
        <source>Export the items the filter shows</source>
        <translation>필터에 보이는 항목 내보내기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="102" />
        <source>Exporting…</source>
        <translation>내보내는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="102" />
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="103" />
        <location filename="../../desktop/ui/panels/export.py" line="136" />
        <source>Export</source>
        <translation>내보내기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="106" />
        <source>Exporting to {file}…</source>
        <translation>{file}(으)로 내보내는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="124" />
        <source>{done} of {total} items</source>
        <translation>{total}개 중 {done}개 항목</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="134" />
        <source>Export cancelled; no file was written.</source>
        <translation>내보내기를 취소했습니다. 파일은 만들어지지 않았습니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="137" />
        <source>The export failed: {error}</source>
        <translation>내보내기에 실패했습니다: {error}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="144" />
        <source>{n} items exported to {path}</source>
        <translation>항목 {n}개를 {path}(으)로 내보냈습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/export.py" line="147" />
        <source>({n} without a position left out)</source>
        <translation>(위치가 없는 {n}개 제외)</translation>
    </message>
</context>
<context>
    <name>FeedModel</name>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="216" />
        <source>Time (%1)</source>
        <translation>시간 (%1)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="218" />
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="220" />
        <source>Who</source>
        <translation>작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="222" />
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="224" />
        <source>Source</source>
        <translation>출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="226" />
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="228" />
        <source>Priority</source>
        <translation>우선순위</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="252" />
        <source>(removed)</source>
        <translation>(삭제됨)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="284" />
        <source>Field update</source>
        <translation>현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="284" />
        <source>Post</source>
        <translation>게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="300" />
        <source>{state} (field)</source>
        <translation>{state} (현장)</translation>
    </message>
</context>
<context>
    <name>FeedPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/feed.py" line="72" />
        <source>Feed</source>
        <translation>피드</translation>
    </message>
</context>
<context>
    <name>FeedView</name>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="489" />
        <source>↑ {n} new</source>
        <translation>↑ 새 항목 {n}건</translation>
    </message>
</context>
<context>
    <name>FeedsDialog</name>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="73" />
        <location filename="../../desktop/ui/live_widgets.py" line="180" />
        <source>Live feeds</source>
        <translation>실시간 수신</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="77" />
        <source>TAK position reports (UDP multicast, unauthenticated)</source>
        <translation>TAK 위치 보고 (UDP 멀티캐스트, 인증 없음)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="83" />
        <source>Group</source>
        <translation>그룹</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="84" />
        <location filename="../../desktop/ui/live_widgets.py" line="94" />
        <location filename="../../desktop/ui/live_widgets.py" line="105" />
        <source>Port</source>
        <translation>포트</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="85" />
        <source>Interface address</source>
        <translation>인터페이스 주소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="88" />
        <source>Direct CoT over TCP (unauthenticated)</source>
        <translation>TCP 직접 CoT (인증 없음)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="93" />
        <source>Listen on</source>
        <translation>수신 주소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="97" />
        <source>TAK server (client connection)</source>
        <translation>TAK 서버 (클라이언트 연결)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="102" />
        <source>TLS with a client certificate</source>
        <translation>클라이언트 인증서로 TLS 사용</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="104" />
        <source>Server</source>
        <translation>서버</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="107" />
        <source>CA certificate</source>
        <translation>CA 인증서</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="108" />
        <source>Client certificate</source>
        <translation>클라이언트 인증서</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="109" />
        <source>Client key</source>
        <translation>클라이언트 키</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="112" />
        <source>Drop folder (files are imported as they land)</source>
        <translation>감시 폴더 (들어오는 파일을 바로 가져오기)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="116" />
        <source>Folder</source>
        <translation>폴더</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="116" />
        <source>Drop folder</source>
        <translation>감시 폴더</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="119" />
        <source>Stream capture (JSON lines, followed as it grows)</source>
        <translation>스트림 기록 (JSON lines, 늘어나는 대로 따라 읽기)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="123" />
        <source>File</source>
        <translation>파일</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="123" />
        <source>Capture file</source>
        <translation>기록 파일</translation>
    </message>
</context>
<context>
    <name>FilterText</name>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="29" />
        <source>posts</source>
        <translation>게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="29" />
        <source>field updates</source>
        <translation>현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="31" />
        <source> and </source>
        <translation> 및 </translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="33" />
        <source>posts and field updates</source>
        <translation>게시물 및 현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="40" />
        <source>{what} in {where}</source>
        <translation>{where}의 {what}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="42" />
        <source>{what} outside {where}</source>
        <translation>{where} 밖의 {what}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="44" />
        <source>in box {box}</source>
        <translation>범위 {box}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="48" />
        <source>from {time}</source>
        <translation>{time}부터</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="50" />
        <source>until {time}</source>
        <translation>{time}까지</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="52" />
        <location filename="../../desktop/ui/filter_text.py" line="76" />
        <source> or </source>
        <translation> 또는 </translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="54" />
        <source>from sources {names}</source>
        <translation>출처 {names}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="58" />
        <source>text has the phrase {phrases}</source>
        <translation>본문에 구절 {phrases}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="61" />
        <source>text has {word}</source>
        <translation>본문에 {word}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="63" />
        <source>text has all of {words}</source>
        <translation>본문에 {words} 모두</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="65" />
        <source>exact</source>
        <translation>정확</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="65" />
        <source>place</source>
        <translation>장소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="65" />
        <source>inferred</source>
        <translation>추정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="65" />
        <source>unknown</source>
        <translation>모름</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="66" />
        <source>position {kinds}</source>
        <translation>위치 {kinds}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="68" />
        <source>location confidence ≥ {value}</source>
        <translation>위치 신뢰도 ≥ {value}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="71" />
        <source>state {states}</source>
        <translation>상태 {states}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="73" />
        <source>priority {priorities}</source>
        <translation>우선순위 {priorities}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="76" />
        <source>tagged {tags}</source>
        <translation>분류 {tags}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filter_text.py" line="79" />
        <source>in incident {name}</source>
        <translation>사건 {name}</translation>
    </message>
</context>
<context>
    <name>FiltersDock</name>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="51" />
        <source>Filters</source>
        <translation>필터</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="54" />
        <source>Search text</source>
        <translation>본문 검색</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="57" />
        <source>Districts…</source>
        <translation>행정구역…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="59" />
        <source>Cancel drawing</source>
        <translation>그리기 취소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="91" />
        <source>Polygon</source>
        <translation>다각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="91" />
        <source>Rectangle</source>
        <translation>사각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="91" />
        <source>Circle</source>
        <translation>원</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="121" />
        <source>Boundary file</source>
        <translation>경계 파일</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="198" />
        <source>Save area</source>
        <translation>구역 저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/filters.py" line="201" />
        <source>Area “{name}” saved in the cache</source>
        <translation>구역 “{name}”을(를) 캐시에 저장했습니다</translation>
    </message>
</context>
<context>
    <name>FiltersPanel</name>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="55" />
        <source>Search text, Hangul included (Ctrl+F)</source>
        <translation>본문 검색, 한글 가능 (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="63" />
        <source>Show</source>
        <translation>표시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="65" />
        <source>Public posts</source>
        <translation>공개 게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="66" />
        <source>Officer field updates</source>
        <translation>경찰 현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="72" />
        <source>exact</source>
        <translation>정확</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="72" />
        <source>place-only</source>
        <translation>장소만</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="72" />
        <source>inferred</source>
        <translation>추정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="73" />
        <source>no position</source>
        <translation>위치 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="76" />
        <source>Location precision</source>
        <translation>위치 정확도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="87" />
        <source>Hide place and inferred positions less sure than this (exact positions always show; a place from the source counts as 0.5)</source>
        <translation>이 값보다 불확실한 장소·추정 위치를 숨깁니다 (정확한 위치는 항상 표시, 출처가 준 장소는 0.5)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="111" />
        <source>Sources</source>
        <translation>출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="119" />
        <source>Hashtags in the window</source>
        <translation>시간 범위 내 해시태그</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="127" />
        <source>Areas</source>
        <translation>구역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="130" />
        <source>Polygon</source>
        <translation>다각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="130" />
        <source>Rectangle</source>
        <translation>사각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="130" />
        <source>Circle</source>
        <translation>원</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="133" />
        <source>Draw an area on the map (Esc cancels)</source>
        <translation>지도에 구역을 그립니다 (Esc 취소)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="140" />
        <source>Area</source>
        <translation>지역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="140" />
        <source>Items</source>
        <translation>항목</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="140" />
        <source>Exclude</source>
        <translation>제외</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="140" />
        <source>Outline</source>
        <translation>윤곽</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="153" />
        <source>Districts…</source>
        <translation>행정구역…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="155" />
        <source>Pick districts: the built-in Korean districts (시도, 시군구, 읍면동) or a boundary file</source>
        <translation>행정구역 선택: 기본 제공 행정구역(시도, 시군구, 읍면동) 또는 경계 파일</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="157" />
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="158" />
        <source>Save the selected area in the cache</source>
        <translation>선택한 구역을 캐시에 저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="160" />
        <source>Remove</source>
        <translation>삭제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="196" />
        <location filename="../../desktop/ui/filters_panel.py" line="213" />
        <source>Location confidence ≥ %1</source>
        <translation>위치 신뢰도 ≥ %1</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="239" />
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="241" />
        <source>Priority</source>
        <translation>우선순위</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="247" />
        <source>all</source>
        <translation>전체</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="248" />
        <source>{field}: {values}</source>
        <translation>{field}: {values}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="367" />
        <source>Saved in the cache</source>
        <translation>캐시에 저장됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="367" />
        <source>Not saved</source>
        <translation>저장 안 됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="410" />
        <source>%1 (+%2 possibly in)</source>
        <translation>%1 (+%2 포함 가능)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="411" />
        <source>exact %1, place %2, inferred %3</source>
        <translation>정확 %1, 장소 %2, 추정 %3</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="414" />
        <source>possibly in: %1 more place or inferred items whose circle reaches the area but is too large to count</source>
        <translation>포함 가능: 범위 원이 이 구역에 닿지만 너무 커서 세지 않은 장소·추정 항목 %1건</translation>
    </message>
</context>
<context>
    <name>GazetteerPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="42" />
        <source>Import places…</source>
        <translation>장소 가져오기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="43" />
        <source>The agency's own places (squares, stations, police boxes, rally points) for placing posts from their text</source>
        <translation>게시물을 본문으로 위치 지정할 때 쓰는 기관 자체 장소(광장, 역, 파출소, 집결지)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="56" />
        <source>Import places (name, aliases, lat, lon, radius_m)</source>
        <translation>장소 가져오기 (name, aliases, lat, lon, radius_m)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="57" />
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV 파일 (*.csv);;모든 파일 (*)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="65" />
        <source>Places not imported</source>
        <translation>장소를 가져오지 못했습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="71" />
        <source>{n} places from {file}: {added} new, {updated} updated.</source>
        <translation>{file}에서 장소 {n}곳: 새로 {added}곳, 갱신 {updated}곳.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="74" />
        <source>Places imported</source>
        <translation>장소를 가져왔습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="75" />
        <source>Place the posts without coordinates again with them now?</source>
        <translation>좌표 없는 게시물의 위치를 지금 이 장소들로 다시 지정할까요?</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="86" />
        <source>Placing posts</source>
        <translation>게시물 위치 지정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="87" />
        <source>Placing posts from their text…</source>
        <translation>게시물 본문으로 위치 지정 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="126" />
        <source>{placed} of {posts} posts placed from their text, {ambiguous} ambiguous, {none} naming no place</source>
        <translation>게시물 {posts}건 중 {placed}건을 본문으로 위치 지정, 모호 {ambiguous}건, 장소 언급 없음 {none}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/gazetteer.py" line="134" />
        <source>Posts not placed</source>
        <translation>게시물 위치를 지정하지 못했습니다</translation>
    </message>
</context>
<context>
    <name>HelpPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/help.py" line="19" />
        <location filename="../../desktop/ui/panels/help.py" line="39" />
        <source>Keyboard shortcuts</source>
        <translation>단축키</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/help.py" line="22" />
        <location filename="../../desktop/ui/panels/help.py" line="65" />
        <source>About Sitmap</source>
        <translation>Sitmap 정보</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/help.py" line="44" />
        <source>Keys</source>
        <translation>키</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/help.py" line="44" />
        <source>Action</source>
        <translation>동작</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/help.py" line="60" />
        <source>Sitmap {version}
A situation map for incident commanders: public posts and officer field updates on one timeline, offline first.

Cache: {db}</source>
        <translation>Sitmap {version}
현장 지휘관을 위한 상황 지도: 공개 게시물과 경찰 현장 보고를 하나의 타임라인에, 오프라인 우선.

캐시: {db}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/help.py" line="62" />
        <source>Built with and shipping:</source>
        <translation>함께 쓰고 포함한 것:</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="72" />
        <source>Import posts and field updates</source>
        <translation>게시물과 현장 보고 가져오기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="73" />
        <source>Supported (*.json *.jsonl *.js *.geojson *.csv *.kml *.kmz *.xml *.cot);;All files (*)</source>
        <translation>지원 형식 (*.json *.jsonl *.js *.geojson *.csv *.kml *.kmz *.xml *.cot);;모든 파일 (*)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="76" />
        <source>Importing…</source>
        <translation>가져오는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="76" />
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="77" />
        <location filename="../../desktop/ui/import_dialog.py" line="104" />
        <source>Import</source>
        <translation>가져오기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="84" />
        <source>{file}: {n} records read</source>
        <translation>{file}: {n}건 읽음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="105" />
        <source>Nothing imported</source>
        <translation>가져온 항목 없음</translation>
    </message>
</context>
<context>
    <name>ImportPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/imports.py" line="14" />
        <source>Import…</source>
        <translation>가져오기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/imports.py" line="26" />
        <source>Importing files</source>
        <translation>파일 가져오기</translation>
    </message>
</context>
<context>
    <name>IncidentsPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="54" />
        <source>Incident</source>
        <translation>사건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="54" />
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="54" />
        <source>Priority</source>
        <translation>우선순위</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="54" />
        <source>Items</source>
        <translation>항목</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="55" />
        <source>Latest</source>
        <translation>최근 항목</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="64" />
        <source>New from selection</source>
        <translation>선택 항목으로 새 사건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="65" />
        <source>Add selected</source>
        <translation>선택 항목 추가</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="66" />
        <source>State…</source>
        <translation>상태…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="67" />
        <source>Note…</source>
        <translation>메모…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="68" />
        <source>Show all</source>
        <translation>전체 보기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="72" />
        <source>Choose an incident to read its log</source>
        <translation>사건을 고르면 기록이 보입니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="100" />
        <source>Incidents</source>
        <translation>사건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="104" />
        <source>New incident from selection…</source>
        <translation>선택 항목으로 새 사건…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="108" />
        <source>New incident from the checked areas…</source>
        <translation>선택한 구역으로 새 사건…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="232" />
        <location filename="../../desktop/ui/panels/incidents.py" line="246" />
        <source>Incident “{name}” opened with {n} items</source>
        <translation>사건 “{name}”을(를) 항목 {n}건으로 열었습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="235" />
        <location filename="../../desktop/ui/panels/incidents.py" line="251" />
        <source>New incident</source>
        <translation>새 사건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="236" />
        <location filename="../../desktop/ui/panels/incidents.py" line="252" />
        <source>Name of the new incident ({n} items):</source>
        <translation>새 사건의 이름 (항목 {n}건):</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="265" />
        <source>Check an area in the Areas list (or draw one) first</source>
        <translation>먼저 구역 목록에서 구역을 선택하거나 그리십시오</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="278" />
        <source>Select items in the review queue, the feed or on the map first</source>
        <translation>먼저 검토 대기 목록, 피드 또는 지도에서 항목을 선택하십시오</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="281" />
        <source>{n} items added to the incident</source>
        <translation>사건에 항목 {n}건을 추가함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="294" />
        <source>Incident is now {state}</source>
        <translation>사건 상태: {state}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="300" />
        <source>Incident state</source>
        <translation>사건 상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="301" />
        <source>New state, and a note for the log (may be empty):</source>
        <translation>새 상태와 기록에 남길 메모 (비워 둘 수 있음):</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="309" />
        <source>Note</source>
        <translation>메모</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="309" />
        <source>Note for the incident's log:</source>
        <translation>사건 기록에 남길 메모:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/incidents.py" line="311" />
        <source>Note added to the incident</source>
        <translation>사건에 메모를 남김</translation>
    </message>
</context>
<context>
    <name>LivePanel</name>
    <message>
        <location filename="../../desktop/ui/panels/live.py" line="51" />
        <source>Feeds…</source>
        <translation>실시간 수신…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/live.py" line="54" />
        <source>Send post to field</source>
        <translation>게시물을 현장에 보내기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/live.py" line="67" />
        <source>Live feeds</source>
        <translation>실시간 수신</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/live.py" line="97" />
        <source>Field update stored; sent to {n} TAK connection(s)</source>
        <translation>현장 보고를 저장했습니다. TAK 연결 {n}개로 보냈습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/live.py" line="103" />
        <source>Select a post with a position first</source>
        <translation>먼저 위치가 있는 게시물을 선택하세요</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/live.py" line="107" />
        <source>Post sent to {n} TAK connection(s)</source>
        <translation>게시물을 TAK 연결 {n}개로 보냈습니다</translation>
    </message>
</context>
<context>
    <name>LoadStatus</name>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="16" />
        <source>estimating…</source>
        <translation>예상 시간 계산 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="19" />
        <source>about {s} s left</source>
        <translation>약 {s}초 남음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="20" />
        <source>about {m} min {s} s left</source>
        <translation>약 {m}분 {s}초 남음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="38" />
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="40" />
        <source>Stop reading the cache; what is loaded stays on the map</source>
        <translation>캐시 읽기를 멈춥니다. 이미 불러온 항목은 지도에 남습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="41" />
        <source>Load the rest</source>
        <translation>나머지 불러오기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="53" />
        <source>Cancelling…</source>
        <translation>취소하는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="73" />
        <source>Showing {span}; older items not loaded ({done} of {total})</source>
        <translation>{span} 표시 중, 이전 항목은 불러오지 않음 ({total}개 중 {done}개)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="76" />
        <source>Loading cancelled; nothing loaded yet</source>
        <translation>불러오기 취소됨, 아직 불러온 항목 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/load_status.py" line="87" />
        <source>Loading the index: {done} of {total} items, {left}</source>
        <translation>색인 불러오는 중: {total}개 중 {done}개, {left}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="54" />
        <source>Sitmap — {name}</source>
        <translation>Sitmap — {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="95" />
        <source>Map</source>
        <translation>지도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="99" />
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="99" />
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="99" />
        <source>&amp;Map</source>
        <translation>지도(&amp;M)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="99" />
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="99" />
        <source>F&amp;eeds</source>
        <translation>수신(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="99" />
        <source>&amp;Tools</source>
        <translation>도구(&amp;T)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="176" />
        <source>Panels</source>
        <translation>패널</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="181" />
        <source>Operator and purpose…</source>
        <translation>근무자 및 목적…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="183" />
        <source>Quit</source>
        <translation>종료</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="209" />
        <source>no operator</source>
        <translation>근무자 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="292" />
        <source>{n} items · {v} in view · {ms:.0f} ms</source>
        <translation>{n}건 · 화면 {v}건 · {ms:.0f} ms</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="306" />
        <source>The cache is empty: import files (Ctrl+I) or run 'sitmap demo'.</source>
        <translation>캐시가 비어 있습니다: 파일을 가져오거나 (Ctrl+I) 'sitmap demo'를 실행하세요.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="333" />
        <source>stale</source>
        <translation>응답 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="333" />
        <source>reporting</source>
        <translation>보고 중</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="334" />
        <source>Unit {callsign}: last report {when} ({state})</source>
        <translation>부대 {callsign}: 마지막 보고 {when} ({state})</translation>
    </message>
</context>
<context>
    <name>MapTools</name>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="23" />
        <source>Heatmap</source>
        <translation>열지도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="26" />
        <source>Show UTC</source>
        <translation>UTC 표시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="29" />
        <source>Zoom to items</source>
        <translation>항목으로 확대</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="32" />
        <source>Save map image…</source>
        <translation>지도 이미지 저장…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="40" />
        <location filename="../../desktop/ui/panels/map_tools.py" line="42" />
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="66" />
        <source>Map image saved: {path}</source>
        <translation>지도 이미지를 저장했습니다: {path}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="70" />
        <location filename="../../desktop/ui/panels/map_tools.py" line="84" />
        <source>Save map image</source>
        <translation>지도 이미지 저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="71" />
        <source>Could not write {path}: check the folder exists and can be written to.</source>
        <translation>{path}에 쓸 수 없습니다: 폴더가 있는지, 쓸 수 있는지 확인하십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="85" />
        <source>PNG images (*.png)</source>
        <translation>PNG 이미지 (*.png)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/map_tools.py" line="94" />
        <source>Basemap</source>
        <translation>배경지도</translation>
    </message>
</context>
<context>
    <name>MarkerDialog</name>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="763" />
        <source>Field update at {lat:.5f}, {lon:.5f}</source>
        <translation>{lat:.5f}, {lon:.5f}의 현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="766" />
        <source>What is here (sent to field units when connected)</source>
        <translation>이곳의 상황 (연결되면 현장 부대에 전송)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="770" />
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="771" />
        <source>Type</source>
        <translation>종류</translation>
    </message>
</context>
<context>
    <name>NewAppealDialog</name>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="66" />
        <source>New appeal</source>
        <translation>새 호소문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="76" />
        <source>Choose…</source>
        <translation>선택…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="81" />
        <source>Ready to publish (queued)</source>
        <translation>게시 준비됨 (대기)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="83" />
        <source>Account</source>
        <translation>계정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="84" />
        <source>Korean text</source>
        <translation>한국어 본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="85" />
        <source>English text</source>
        <translation>영어 본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="86" />
        <source>Hashtag</source>
        <translation>해시태그</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="87" />
        <source>Area</source>
        <translation>지역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="88" />
        <location filename="../../desktop/ui/panels/appeals.py" line="96" />
        <source>Image</source>
        <translation>이미지</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/appeals.py" line="96" />
        <source>Images (*.png *.jpg *.jpeg *.gif)</source>
        <translation>이미지 (*.png *.jpg *.jpeg *.gif)</translation>
    </message>
</context>
<context>
    <name>OperatorPrompt</name>
    <message>
        <location filename="../../desktop/ui/text_dialog.py" line="95" />
        <source>Operator</source>
        <translation>담당자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/text_dialog.py" line="96" />
        <source>Your name or call sign, recorded with every change you make:</source>
        <translation>이름 또는 호출부호 (모든 변경에 함께 기록됩니다):</translation>
    </message>
</context>
<context>
    <name>PlaceSearch</name>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="115" />
        <source>Go to place (종로구, 명동, Busan…)</source>
        <translation>장소로 이동 (종로구, 명동, 부산…)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/basemap_menu.py" line="169" />
        <source>No place named “{q}”</source>
        <translation>“{q}”(이)라는 장소가 없습니다</translation>
    </message>
</context>
<context>
    <name>ReportOptions</name>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="70" />
        <source>Situation report</source>
        <translation>상황 보고서</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="77" />
        <source>e.g. shift handover</source>
        <translation>예: 교대 인수인계</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="79" />
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="80" />
        <source>Operator</source>
        <translation>담당자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="81" />
        <source>Purpose</source>
        <translation>목적</translation>
    </message>
</context>
<context>
    <name>ReportPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="96" />
        <source>Report…</source>
        <translation>보고서…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="123" />
        <source>Save the situation report</source>
        <translation>상황 보고서 저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="124" />
        <source>PDF files (*.pdf)</source>
        <translation>PDF 파일 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="142" />
        <source>Making the report…</source>
        <translation>보고서 작성 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="143" />
        <location filename="../../desktop/ui/panels/report.py" line="173" />
        <source>Situation report</source>
        <translation>상황 보고서</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="147" />
        <source>Making the report {file}…</source>
        <translation>보고서 {file} 작성 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="157" />
        <source>Reading the cache…</source>
        <translation>캐시 읽는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="157" />
        <source>Placing the map…</source>
        <translation>지도 넣는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="158" />
        <source>Drawing the timeline…</source>
        <translation>시간대별 추이 그리는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="158" />
        <source>Listing incidents and alerts…</source>
        <translation>사건과 경보 정리 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="159" />
        <source>Listing verified posts and field updates…</source>
        <translation>확인된 게시물과 현장 보고 정리 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="159" />
        <source>Writing the PDF…</source>
        <translation>PDF 저장 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="174" />
        <source>The report failed: {error}</source>
        <translation>보고서를 만들지 못했습니다: {error}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/report.py" line="181" />
        <source>Report written to {path} ({n} items)</source>
        <translation>보고서 저장: {path} ({n}건)</translation>
    </message>
</context>
<context>
    <name>RuleDialog</name>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="366" />
        <source>New alert rule</source>
        <translation>새 경보 규칙</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="366" />
        <source>Edit alert rule</source>
        <translation>경보 규칙 편집</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="369" />
        <source>e.g. Crowd building up at the square</source>
        <translation>예: 광장에 인파 증가</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="371" />
        <source>N or more matching items in M minutes</source>
        <translation>M분 안에 조건에 맞는 항목 N개 이상</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="371" />
        <source>Rate spike against the area's baseline</source>
        <translation>구역 평소 대비 급증</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="372" />
        <source>A unit's emergency</source>
        <translation>부대 긴급 상황</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="372" />
        <source>No unit in the area for T minutes</source>
        <translation>T분 동안 구역에 부대 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="376" />
        <source>Everywhere</source>
        <translation>모든 곳</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="378" />
        <source>{name} (this rule's area)</source>
        <translation>{name} (이 규칙의 구역)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="378" />
        <source>unnamed</source>
        <translation>이름 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="387" />
        <source>words, comma separated</source>
        <translation>단어, 쉼표로 구분</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="397" />
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="397" />
        <source>When</source>
        <translation>조건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="397" />
        <location filename="../../desktop/ui/live_widgets.py" line="452" />
        <source>Area</source>
        <translation>지역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="397" />
        <location filename="../../desktop/ui/live_widgets.py" line="449" />
        <source>N items</source>
        <translation>항목 수 N</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="398" />
        <location filename="../../desktop/ui/live_widgets.py" line="451" />
        <source>Minutes</source>
        <translation>분</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="398" />
        <source>Spike factor</source>
        <translation>급증 배수</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="398" />
        <source>Baseline minutes</source>
        <translation>기준 기간(분)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="399" />
        <source>Hashtags</source>
        <translation>해시태그</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="399" />
        <source>Keywords</source>
        <translation>키워드</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="399" />
        <source>Emergencies</source>
        <translation>긴급 상황 종류</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="449" />
        <source>At least N items</source>
        <translation>최소 항목 수 N</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="450" />
        <source>Within minutes</source>
        <translation>기간(분)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="450" />
        <source>Recent minutes</source>
        <translation>최근 기간(분)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="451" />
        <source>Empty for minutes</source>
        <translation>비어 있는 시간(분)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="452" />
        <source>Area (required)</source>
        <translation>구역 (필수)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="477" />
        <source>{field}: {problem}</source>
        <translation>{field}: {problem}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="490" />
        <source>give the rule a name.</source>
        <translation>규칙 이름을 입력하십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="499" />
        <source>“{tag}” is not a hashtag.</source>
        <translation>“{tag}”은(는) 해시태그가 아닙니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="515" />
        <source>tick at least one kind of emergency.</source>
        <translation>긴급 상황을 하나 이상 선택하십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="521" />
        <source>a rule for an empty area needs an area: draw one on the map or pick districts first.</source>
        <translation>구역 공백 규칙에는 구역이 필요합니다. 먼저 지도에 구역을 그리거나 행정구역을 고르십시오.</translation>
    </message>
</context>
<context>
    <name>RulesDialog</name>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="287" />
        <source>Count</source>
        <translation>건수</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="288" />
        <source>Spike</source>
        <translation>급증</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="289" />
        <source>Emergency</source>
        <translation>긴급 상황</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="290" />
        <source>Empty area</source>
        <translation>구역 공백</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="298" />
        <source>911 alert</source>
        <translation>911 긴급 호출</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="299" />
        <source>Ring the bell</source>
        <translation>비상벨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="300" />
        <source>In contact</source>
        <translation>교전/접촉 중</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="301" />
        <source>Geo-fence breached</source>
        <translation>지오펜스 이탈</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="317" />
        <source>in {area}</source>
        <translation>{area}에서</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="316" />
        <source>its area</source>
        <translation>해당 구역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="319" />
        <source>everywhere</source>
        <translation>전 지역에서</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="324" />
        <source>matching {tags} or the words {words}</source>
        <translation>{tags} 또는 단어 {words} 포함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="326" />
        <source>matching {tags}</source>
        <translation>{tags} 포함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="328" />
        <source>with the words {words}</source>
        <translation>단어 {words} 포함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="331" />
        <source>{n} or more items{filters} within {m} min, {where}</source>
        <translation>{where} {m}분 안에{filters} 항목 {n}개 이상</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="334" />
        <source>Rate over {m} min at least ×{f} the {b} min before, with at least {n} items{filters}, {where}</source>
        <translation>{where} 최근 {m}분 비율이 그 전 {b}분의 {f}배 이상, 항목 {n}개 이상{filters}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="340" />
        <source>any emergency</source>
        <translation>모든 긴급 상황</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="341" />
        <source>A unit's emergency ({what}), {where}</source>
        <translation>{where} 부대 긴급 상황 ({what})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="343" />
        <source>No unit in {area} for {m} min or longer</source>
        <translation>{area}에 {m}분 이상 부대 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="344" />
        <source>the area</source>
        <translation>구역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="564" />
        <source>Alert rules</source>
        <translation>경보 규칙</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="575" />
        <source>On</source>
        <translation>켜짐</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="575" />
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="575" />
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="575" />
        <source>Watches for</source>
        <translation>감시 조건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="587" />
        <source>No alert rules yet: add one to be told when something happens.</source>
        <translation>경보 규칙이 아직 없습니다. 상황 발생 시 알림을 받으려면 규칙을 추가하십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="595" />
        <source>Add…</source>
        <translation>추가…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="596" />
        <source>Edit…</source>
        <translation>편집…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="597" />
        <location filename="../../desktop/ui/live_widgets.py" line="662" />
        <source>Disable</source>
        <translation>끄기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="598" />
        <source>Delete…</source>
        <translation>삭제…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="630" />
        <source>On: the rule raises alerts</source>
        <translation>켜짐: 이 규칙이 경보를 냅니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="631" />
        <source>Off: the rule raises no alerts</source>
        <translation>꺼짐: 이 규칙은 경보를 내지 않습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="662" />
        <source>Enable</source>
        <translation>켜기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="739" />
        <source>Delete alert rule</source>
        <translation>경보 규칙 삭제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="740" />
        <source>Delete the alert rule “{name}”? It raises no more alerts; the alerts it raised stay in the list.</source>
        <translation>경보 규칙 “{name}”을(를) 삭제하시겠습니까? 더 이상 경보를 내지 않으며, 이미 낸 경보는 목록에 남습니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/live_widgets.py" line="744" />
        <source>Delete</source>
        <translation>삭제</translation>
    </message>
</context>
<context>
    <name>SharedStoreDialog</name>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="44" />
        <source>Shared store</source>
        <translation>공유 저장소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="47" />
        <source>The command post's shared store, postgresql://user@host:port/database (TLS options such as sslmode in the URL). Empty: work on this cache only.</source>
        <translation>지휘소의 공유 저장소, postgresql://사용자@호스트:포트/데이터베이스 (sslmode 같은 TLS 옵션은 URL에). 비워 두면 이 캐시만으로 작업합니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="55" />
        <source>Everywhere</source>
        <translation>모든 곳</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="56" />
        <source>Only in an area:</source>
        <translation>지역 안에서만:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="59" />
        <source>a district (종로구), a saved area or a box W,S,E,N</source>
        <translation>행정구역(종로구), 저장된 영역 또는 상자 W,S,E,N</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="60" />
        <source>and the posts without a position</source>
        <translation>위치 없는 게시물도 함께</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="61" />
        <source>Hold the store's items</source>
        <translation>공유 저장소 항목 보유 범위</translation>
    </message>
</context>
<context>
    <name>SharedStorePanel</name>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="128" />
        <source>Shared store…</source>
        <translation>공유 저장소…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="176" />
        <source>Shared store: connecting…</source>
        <translation>공유 저장소: 연결 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="225" />
        <source>Shared store: fetching older posts, {done} of {total}</source>
        <translation>공유 저장소: 이전 게시물을 가져오는 중, {total}건 중 {done}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="228" />
        <source>Shared store: online</source>
        <translation>공유 저장소: 온라인</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="230" />
        <source>, {n} changes waiting</source>
        <translation>, 보내지 않은 변경 {n}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="232" />
        <source> (holding {area} only)</source>
        <translation> ({area}만 보유)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="235" />
        <source>Shared store: offline since {time}, {n} changes waiting</source>
        <translation>공유 저장소: {time}부터 오프라인, 보내지 않은 변경 {n}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="294" />
        <source>Area(s) from the shared store: {names}</source>
        <translation>공유 저장소에서 받은 영역: {names}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="306" />
        <source>{rule} (on {workstation})</source>
        <translation>{rule} ({workstation}에서)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="329" />
        <source>{by} changed your triage of {n} post(s) on another workstation: now {state}</source>
        <translation>{by} 님이 다른 워크스테이션에서 내가 분류한 게시물 {n}건을 바꿨습니다: 현재 {state}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="333" />
        <source>{n} post(s) triaged on another workstation ({who})</source>
        <translation>다른 워크스테이션에서 게시물 {n}건이 분류되었습니다 ({who})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="350" />
        <source>{by}, {time}: {state}, {priority}</source>
        <translation>{by}, {time}: {state}, {priority}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="354" />
        <source>(replaced your triage)</source>
        <translation>(내 분류를 대체함)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/shared_store.py" line="358" />
        <source>Shared store: stopped ({error})</source>
        <translation>공유 저장소: 중지됨 ({error})</translation>
    </message>
</context>
<context>
    <name>StartDialog</name>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="64" />
        <source>Operator and purpose</source>
        <translation>근무자 및 목적</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="67" />
        <source>Sitmap records who works and why with everything collected, looked at, changed or passed on in this session.</source>
        <translation>Sitmap은 이 세션에서 수집·열람·변경·제공하는 모든 것에 누가, 왜 했는지를 기록합니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="73" />
        <source>your name or call sign</source>
        <translation>이름 또는 호출부호</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="81" />
        <source>— choose the purpose —</source>
        <translation>— 목적을 선택하세요 —</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="91" />
        <location filename="../../desktop/ui/start_dialog.py" line="128" />
        <source>Case reference</source>
        <translation>사건 번호</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="93" />
        <source>Operator</source>
        <translation>담당자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="94" />
        <source>Purpose</source>
        <translation>목적</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="100" />
        <source>View only</source>
        <translation>열람만</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="101" />
        <source>Look without a purpose: imports and live feeds stay off</source>
        <translation>목적 없이 열람만 합니다: 가져오기와 실시간 피드는 꺼진 채로 둡니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="125" />
        <source>Legal basis: {basis}</source>
        <translation>법적 근거: {basis}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="126" />
        <source>Kept for {days} days</source>
        <translation>보존 기간 {days}일</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="128" />
        <source>Case reference (required)</source>
        <translation>사건 번호(필수)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="143" />
        <source>view only</source>
        <translation>열람만</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="164" />
        <source>{what}: this session has no purpose, so nothing is collected (no purpose, no collection). Say why you collect: File → Operator and purpose…</source>
        <translation>{what}: 이 세션에는 목적이 없어 아무것도 수집하지 않습니다(목적 없이는 수집 없음). 수집하는 이유를 정하세요: 파일 → 근무자 및 목적…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="169" />
        <source>No purpose, no collection</source>
        <translation>목적 없이는 수집 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/start_dialog.py" line="173" />
        <source>Set the purpose…</source>
        <translation>목적 정하기…</translation>
    </message>
</context>
<context>
    <name>TakShapesPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/tak_shapes.py" line="114" />
        <source>Area “{name}” removed on TAK</source>
        <translation>영역 “{name}”이(가) TAK에서 삭제됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tak_shapes.py" line="132" />
        <source>Area “{name}” received from TAK</source>
        <translation>TAK에서 영역 “{name}” 받음</translation>
    </message>
</context>
<context>
    <name>TasksPanel</name>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="99" />
        <source>Task</source>
        <translation>과제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="99" />
        <source>Unit</source>
        <translation>부대</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="99" />
        <source>State</source>
        <translation>상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="99" />
        <source>Sent</source>
        <translation>보냄</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="100" />
        <source>Delivered</source>
        <translation>전달됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="100" />
        <source>Acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="100" />
        <source>On scene</source>
        <translation>현장 도착</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="101" />
        <source>Reply</source>
        <translation>답장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="107" />
        <source>No tasks yet: select a post or an incident and press Ctrl+T.</source>
        <translation>과제가 없습니다: 게시물이나 사건을 선택하고 Ctrl+T를 누르십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="128" />
        <source>Tasks</source>
        <translation>과제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="131" />
        <source>Assign to unit…</source>
        <translation>부대에 과제 지정…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="153" />
        <source>Task {code}: {unit} {state}</source>
        <translation>과제 {code}: {unit} {state}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="193" />
        <location filename="../../desktop/ui/panels/tasks.py" line="199" />
        <location filename="../../desktop/ui/panels/tasks.py" line="215" />
        <location filename="../../desktop/ui/panels/tasks.py" line="232" />
        <location filename="../../desktop/ui/panels/tasks.py" line="242" />
        <source>Assign to unit</source>
        <translation>부대에 과제 지정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="194" />
        <source>Select a post on the map or in the feed, or choose an incident, first.</source>
        <translation>먼저 지도나 피드에서 게시물을 선택하거나 사건을 고르십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="200" />
        <source>No unit is on the map in this time window.</source>
        <translation>이 시간 범위에 지도에 표시된 부대가 없습니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="215" />
        <source>Say what the unit should do.</source>
        <translation>부대가 할 일을 적으십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="240" />
        <source>Task {code} sent to {unit}</source>
        <translation>과제 {code}을(를) {unit}에 보냈습니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="243" />
        <source>Task {code} is stored but no TAK connection is open to send it: connect one in Feeds… (Ctrl+L).</source>
        <translation>과제 {code}은(는) 저장되었지만 보낼 TAK 연결이 없습니다: 피드…(Ctrl+L)에서 연결하십시오.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="268" />
        <source>Sent ({zone})</source>
        <translation>보냄 ({zone})</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="272" />
        <source>sent</source>
        <translation>보냄</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="151" />
        <location filename="../../desktop/ui/panels/tasks.py" line="272" />
        <source>delivered</source>
        <translation>전달됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="151" />
        <location filename="../../desktop/ui/panels/tasks.py" line="272" />
        <source>acknowledged</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="152" />
        <location filename="../../desktop/ui/panels/tasks.py" line="273" />
        <source>on scene</source>
        <translation>현장 도착</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="152" />
        <location filename="../../desktop/ui/panels/tasks.py" line="273" />
        <source>done</source>
        <translation>완료</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/tasks.py" line="152" />
        <location filename="../../desktop/ui/panels/tasks.py" line="273" />
        <source>cancelled</source>
        <translation>취소됨</translation>
    </message>
</context>
<context>
    <name>ThreadDialog</name>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="28" />
        <source>Thread</source>
        <translation>스레드</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="34" />
        <source>%1 items in this conversation (%2)</source>
        <translation>이 대화의 항목 %1개 (%2)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="36" />
        <source>The post that opened it is not in the cache.</source>
        <translation>대화를 시작한 게시물은 캐시에 없습니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="38" />
        <source>Only the first part of a very long thread is shown.</source>
        <translation>매우 긴 스레드라 앞부분만 보여 줍니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="44" />
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="44" />
        <source>Author</source>
        <translation>작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="44" />
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="56" />
        <source>(no author given)</source>
        <translation>(작성자 정보 없음)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/thread_dialog.py" line="72" />
        <source>Select</source>
        <translation>선택</translation>
    </message>
</context>
<context>
    <name>TimelinePanel</name>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="60" />
        <source>Play / pause (Space)</source>
        <translation>재생 / 일시정지 (Space)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="64" />
        <source>Step back (Left)</source>
        <translation>뒤로 (←)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="68" />
        <source>Step forward (Right)</source>
        <translation>앞으로 (→)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="72" />
        <source>Speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="82" />
        <source>15 min</source>
        <translation>15분</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="82" />
        <source>1 h</source>
        <translation>1시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="82" />
        <source>6 h</source>
        <translation>6시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="83" />
        <source>24 h</source>
        <translation>24시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="83" />
        <source>All</source>
        <translation>전체</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="86" />
        <source>Window: last {label}</source>
        <translation>범위: 최근 {label}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="86" />
        <source>Whole incident</source>
        <translation>사건 전체</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="90" />
        <source>● Live</source>
        <translation>● 실시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="94" />
        <source>Follow now, keeping the window's width (L); scrubbing back leaves live mode</source>
        <translation>현재 시각을 따라갑니다, 창의 폭은 유지 (L). 뒤로 이동하면 실시간 모드가 꺼집니다</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="104" />
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="110" />
        <source>Play / pause</source>
        <translation>재생 / 일시정지</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="111" />
        <source>Step back</source>
        <translation>뒤로 한 칸</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/timeline.py" line="112" />
        <source>Step forward</source>
        <translation>앞으로 한 칸</translation>
    </message>
</context>
<context>
    <name>TimelineWidget</name>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="75" />
        <source>Time window</source>
        <extracomment>Bars outside the window keep this much opacity, so the window reads at a glance. Half of the handle hit area; 7 px gives a 14 px target, comfortable on a touchpad.</extracomment>
        <translation>시간 범위</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="329" />
        <source>Select all</source>
        <translation>전체 선택</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="330" />
        <source>Square-root scale</source>
        <translation>제곱근 눈금</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="363" />
        <source>posts {n}</source>
        <translation>게시물 {n}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="364" />
        <source>field updates {n}</source>
        <translation>현장 보고 {n}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="400" />
        <source>Left/Right: step; Shift+Left/Right: nudge; Home/End: jump; Space: play or pause.</source>
        <translation>좌/우: 이동, Shift+좌/우: 미세 이동, Home/End: 처음/끝, Space: 재생/일시정지.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="420" />
        <source>No timeline data</source>
        <translation>타임라인 데이터 없음</translation>
    </message>
</context>
<context>
    <name>TriageNames</name>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="74" />
        <source>new</source>
        <translation>신규</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="74" />
        <source>in review</source>
        <translation>검토 중</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="74" />
        <source>verified</source>
        <translation>확인됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="75" />
        <source>false</source>
        <translation>허위</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="75" />
        <source>duplicate</source>
        <translation>중복</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="75" />
        <source>actioned</source>
        <translation>조치됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="76" />
        <location filename="../../desktop/ui/feed_model.py" line="84" />
        <source>closed</source>
        <translation>종결</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="79" />
        <source>routine</source>
        <translation>일반</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="79" />
        <source>urgent</source>
        <translation>긴급</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="80" />
        <source>critical</source>
        <translation>최긴급</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="83" />
        <source>open</source>
        <translation>진행 중</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="83" />
        <source>monitoring</source>
        <translation>관찰 중</translation>
    </message>
</context>
<context>
    <name>TriagePanel</name>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="93" />
        <source>Most urgent first</source>
        <translation>긴급한 순</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="95" />
        <source>Critical, then urgent, then routine; newest first within each</source>
        <translation>최긴급, 긴급, 일반 순으로, 같은 순위에서는 최신 순</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="105" />
        <source>J/K move · V verified · F false · D duplicate · R in review · 1/2/3 priority · N note · A replied · Enter map</source>
        <translation>J/K 이동 · V 확인됨 · F 허위 · D 중복 · R 검토 중 · 1/2/3 우선순위 · N 메모 · A 답변함 · Enter 지도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="136" />
        <location filename="../../desktop/ui/panels/triage.py" line="139" />
        <source>To review</source>
        <translation>검토 대기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="195" />
        <source>{n} to review</source>
        <translation>검토 대기 {n}건</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="204" />
        <source>{n} items marked {state}</source>
        <translation>{n}건을 {state}(으)로 표시함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="210" />
        <source>{n} items set to priority {priority}</source>
        <translation>{n}건의 우선순위를 {priority}(으)로 정함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="228" />
        <source>Not an item number: {text}</source>
        <translation>항목 번호가 아닙니다: {text}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="230" />
        <source>Duplicate</source>
        <translation>중복</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="231" />
        <source>Number of the item these repeat (select it first to skip this):</source>
        <translation>원본 항목의 번호 (먼저 원본을 선택하면 묻지 않습니다):</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="235" />
        <source>{n} items marked duplicate of item {id}</source>
        <translation>{n}건을 항목 {id}의 중복으로 표시함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="241" />
        <source>Note</source>
        <translation>메모</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="241" />
        <source>Note on {n} items:</source>
        <translation>항목 {n}건에 대한 메모:</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="243" />
        <source>Note added to {n} items</source>
        <translation>항목 {n}건에 메모를 남김</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="250" />
        <source>Replied</source>
        <translation>답변함</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="251" />
        <source>What was replied to {n} items (where, by whom):</source>
        <translation>항목 {n}개에 답변한 내용 (어디서, 누가):</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/panels/triage.py" line="266" />
        <source>{n} items marked replied</source>
        <translation>항목 {n}개 답변함으로 표시</translation>
    </message>
</context>
</TS>