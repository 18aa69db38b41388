<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>DetailsPane</name>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="58"/>
        <source>Select an item in the feed or on the map to see its details.</source>
        <translation>피드나 지도에서 항목을 선택하면 자세한 내용이 표시됩니다.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="83"/>
        <location filename="../../desktop/ui/details_pane.py" line="181"/>
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="116"/>
        <source>Open source in browser…</source>
        <translation>원문을 브라우저에서 열기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="125"/>
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="126"/>
        <source>Author</source>
        <translation>작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="127"/>
        <source>Author ID</source>
        <translation>작성자 ID</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="128"/>
        <source>Callsign</source>
        <translation>호출부호</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="129"/>
        <source>Unit UID</source>
        <translation>부대 UID</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="130"/>
        <source>CoT type</source>
        <translation>CoT 유형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="131"/>
        <source>Team / role</source>
        <translation>팀 / 역할</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="132"/>
        <source>Course / speed</source>
        <translation>방향 / 속도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="133"/>
        <source>Position source</source>
        <translation>위치 출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="134"/>
        <source>Stale after</source>
        <translation>만료 시각</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="135"/>
        <source>Chat</source>
        <translation>채팅</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="136"/>
        <source>Unit now</source>
        <translation>부대 현재 상태</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="137"/>
        <source>Source</source>
        <translation>출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="138"/>
        <source>Source ID</source>
        <translation>출처 ID</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="139"/>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="140"/>
        <source>Hashtags</source>
        <translation>해시태그</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="141"/>
        <source>Location</source>
        <translation>위치</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="142"/>
        <source>Coordinates</source>
        <translation>좌표</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="143"/>
        <source>Place</source>
        <translation>장소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="144"/>
        <source>Links</source>
        <translation>링크</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="145"/>
        <source>Reply to</source>
        <translation>답글 대상</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="146"/>
        <source>Quote of</source>
        <translation>인용 원문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="147"/>
        <source>Retweet of</source>
        <translation>리트윗 원문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="148"/>
        <source>Other</source>
        <translation>기타</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="175"/>
        <source>Field update</source>
        <translation>현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="175"/>
        <source>Post</source>
        <translation>게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="181"/>
        <source>Remarks</source>
        <translation>비고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="186"/>
        <source>EMERGENCY</source>
        <translation>긴급</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="202"/>
        <source>exact</source>
        <translation>정확</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="202"/>
        <source>place</source>
        <translation>장소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="202"/>
        <source>inferred</source>
        <translation>추정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="203"/>
        <source>unknown</source>
        <translation>알 수 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="246"/>
        <source>last report %1</source>
        <translation>마지막 보고 %1</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="249"/>
        <source>stale after %1</source>
        <translation>%1 이후 만료</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="271"/>
        <source>Open source in browser</source>
        <translation>원문을 브라우저에서 열기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="273"/>
        <source>Open this address in your web browser?</source>
        <translation>이 주소를 웹 브라우저에서 열까요?</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/details_pane.py" line="274"/>
        <source>The page is outside Sitmap and may be hostile.</source>
        <translation>이 페이지는 Sitmap 밖에 있으며 위험할 수 있습니다.</translation>
    </message>
</context>
<context>
    <name>DistrictDialog</name>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="29"/>
        <source>Districts — {name}</source>
        <translation>행정구역 — {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="35"/>
        <source>Filter by name or code (e.g. 종로, Jongno, 11)</source>
        <translation>이름 또는 코드로 찾기 (예: 종로, Jongno, 11)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="52"/>
        <source>Exclude these areas instead</source>
        <translation>이 구역을 제외</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/district_dialog.py" line="54"/>
        <source>Names repeat across cities (중구, 강서구): check the code.</source>
        <translation>이름은 도시마다 겹칩니다 (중구, 강서구): 코드를 확인하세요.</translation>
    </message>
</context>
<context>
    <name>FeedModel</name>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="177"/>
        <source>Time (%1)</source>
        <translation>시간 (%1)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="179"/>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="181"/>
        <source>Who</source>
        <translation>작성자</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="183"/>
        <source>Text</source>
        <translation>본문</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="185"/>
        <source>Source</source>
        <translation>출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="208"/>
        <source>(removed)</source>
        <translation>(삭제됨)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="222"/>
        <source>Field update</source>
        <translation>현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/feed_model.py" line="222"/>
        <source>Post</source>
        <translation>게시물</translation>
    </message>
</context>
<context>
    <name>FiltersPanel</name>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="45"/>
        <source>Search text, Hangul included (Ctrl+F)</source>
        <translation>본문 검색, 한글 가능 (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="53"/>
        <source>Show</source>
        <translation>표시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="55"/>
        <source>Public posts</source>
        <translation>공개 게시물</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="56"/>
        <source>Officer field updates</source>
        <translation>경찰 현장 보고</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="62"/>
        <source>exact</source>
        <translation>정확</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="62"/>
        <source>place-only</source>
        <translation>장소만</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="62"/>
        <source>inferred</source>
        <translation>추정</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="63"/>
        <source>no position</source>
        <translation>위치 없음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="66"/>
        <source>Location precision</source>
        <translation>위치 정확도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="73"/>
        <source>Sources</source>
        <translation>출처</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="81"/>
        <source>Hashtags in the window</source>
        <translation>시간 범위 내 해시태그</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="89"/>
        <source>Areas</source>
        <translation>구역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="92"/>
        <source>Polygon</source>
        <translation>다각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="92"/>
        <source>Rectangle</source>
        <translation>사각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="92"/>
        <source>Circle</source>
        <translation>원</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="95"/>
        <source>Draw an area on the map (Esc cancels)</source>
        <translation>지도에 구역을 그립니다 (Esc 취소)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="102"/>
        <source>Area</source>
        <translation>구역</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="102"/>
        <source>Items</source>
        <translation>항목</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="102"/>
        <source>Exclude</source>
        <translation>제외</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="102"/>
        <source>Outline</source>
        <translation>윤곽</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="108"/>
        <source>Districts…</source>
        <translation>행정구역…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="110"/>
        <source>Pick districts from a boundary file (GeoJSON, Shapefile, GeoPackage)</source>
        <translation>경계 파일에서 행정구역 선택 (GeoJSON, Shapefile, GeoPackage)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="112"/>
        <source>Save</source>
        <translation>저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="113"/>
        <source>Save the selected area in the cache</source>
        <translation>선택한 구역을 캐시에 저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="115"/>
        <source>Remove</source>
        <translation>삭제</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="206"/>
        <source>Saved in the cache</source>
        <translation>캐시에 저장됨</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/filters_panel.py" line="206"/>
        <source>Not saved</source>
        <translation>저장 안 됨</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="61"/>
        <source>Sitmap — {name}</source>
        <translation>Sitmap — {name}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="79"/>
        <source>Filters</source>
        <translation>필터</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="90"/>
        <source>Feed</source>
        <translation>피드</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="99"/>
        <source>Time</source>
        <translation>시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="138"/>
        <source>Play / pause (Space)</source>
        <translation>재생 / 일시정지 (Space)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="142"/>
        <source>Step back (Left)</source>
        <translation>뒤로 (←)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="146"/>
        <source>Step forward (Right)</source>
        <translation>앞으로 (→)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="150"/>
        <source>Speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="158"/>
        <source>15 min</source>
        <translation>15분</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="158"/>
        <source>1 h</source>
        <translation>1시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="158"/>
        <source>6 h</source>
        <translation>6시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="159"/>
        <source>24 h</source>
        <translation>24시간</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="159"/>
        <source>All</source>
        <translation>전체</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="162"/>
        <source>Window: last {label}</source>
        <translation>범위: 최근 {label}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="162"/>
        <source>Whole incident</source>
        <translation>사건 전체</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="172"/>
        <source>Map</source>
        <translation>지도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="175"/>
        <source>Heatmap</source>
        <translation>열지도</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="179"/>
        <source>Show UTC</source>
        <translation>UTC 표시</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="182"/>
        <source>Zoom to items</source>
        <translation>항목으로 확대</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="185"/>
        <source>Import…</source>
        <translation>가져오기…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="252"/>
        <source>{n} items · {v} in view · {ms:.0f} ms</source>
        <translation>{n}건 · 화면 {v}건 · {ms:.0f} ms</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="267"/>
        <source>The cache is empty: import files (Ctrl+I) or run &apos;sitmap demo&apos;.</source>
        <translation>캐시가 비어 있습니다: 파일을 가져오거나 (Ctrl+I) &apos;sitmap demo&apos;를 실행하세요.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="317"/>
        <source>Polygon</source>
        <translation>다각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="317"/>
        <source>Rectangle</source>
        <translation>사각형</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="317"/>
        <source>Circle</source>
        <translation>원</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="353"/>
        <location filename="../../desktop/ui/main_window.py" line="360"/>
        <source>Boundary file</source>
        <translation>경계 파일</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="354"/>
        <source>Boundaries (*.geojson *.json *.shp *.gpkg *.kml);;All files (*)</source>
        <translation>경계 파일 (*.geojson *.json *.shp *.gpkg *.kml);;모든 파일 (*)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="393"/>
        <source>Save area</source>
        <translation>구역 저장</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/main_window.py" line="395"/>
        <source>Area “{name}” saved in the cache</source>
        <translation>구역 “{name}”을(를) 캐시에 저장했습니다</translation>
    </message>
</context>
<context>
    <name>TimelineWidget</name>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="75"/>
        <source>Time window</source>
        <extracomment>Bars outside the window keep this much opacity, so the window reads at a glance. Half of the handle hit area; 7 px gives a 14 px target, comfortable on a touchpad.</extracomment>
        <translation>시간 범위</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="324"/>
        <source>Select all</source>
        <translation>전체 선택</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="325"/>
        <source>Square-root scale</source>
        <translation>제곱근 눈금</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="358"/>
        <source>posts {n}</source>
        <translation>게시물 {n}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="359"/>
        <source>field updates {n}</source>
        <translation>현장 보고 {n}</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="395"/>
        <source>Left/Right: step; Shift+Left/Right: nudge; Home/End: jump; Space: play or pause.</source>
        <translation>좌/우: 이동, Shift+좌/우: 미세 이동, Home/End: 처음/끝, Space: 재생/일시정지.</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/timeline_widget.py" line="415"/>
        <source>No timeline data</source>
        <translation>타임라인 데이터 없음</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="61"/>
        <source>Import posts and field updates</source>
        <translation>게시물과 현장 보고 가져오기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="62"/>
        <source>Supported (*.json *.jsonl *.js *.geojson *.csv *.kml *.kmz *.xml *.cot);;All files (*)</source>
        <translation>지원 형식 (*.json *.jsonl *.js *.geojson *.csv *.kml *.kmz *.xml *.cot);;모든 파일 (*)</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="65"/>
        <source>Importing…</source>
        <translation>가져오는 중…</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="65"/>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="66"/>
        <location filename="../../desktop/ui/import_dialog.py" line="83"/>
        <source>Import</source>
        <translation>가져오기</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="72"/>
        <source>{file}: {n} records read</source>
        <translation>{file}: {n}건 읽음</translation>
    </message>
    <message>
        <location filename="../../desktop/ui/import_dialog.py" line="83"/>
        <source>Nothing imported</source>
        <translation>가져온 항목 없음</translation>
    </message>
</context>
</TS>
