; FluoroDesk Windows installer (NSIS 3, Unicode).  installer/build.py compiles it on Windows after
; building the PyInstaller bundle; on Linux CI compiles it against a stub bundle to catch script errors.
;
;   makensis -DAPP_VERSION=0.1.0 -DAPP_VERSION_NUMERIC=0.1.0.0 -DBUNDLE_DIR=C:\src\dist\FluoroDesk
;            -DOUT_FILE=C:\src\dist\FluoroDesk-0.1.0-setup.exe installer\fluorodesk.nsi
;
; What it promises the clinic:
; - a per-machine install into Program Files, with Start-menu and desktop shortcuts for every user;
; - installing a newer version over an older one replaces the program files and nothing else;
; - the uninstaller removes the program files and shortcuts and NOTHING of the clinic's records.
;   Those live outside the install folder, in each Windows user's data folder
;   (%LOCALAPPDATA%\FluoroDesk, where platformdirs puts it; or FLUORODESK_DATA_DIR).
;   Neither install nor uninstall ever reads or writes there.

Unicode true
ManifestDPIAware true
ManifestSupportedOS Win10
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!ifndef APP_VERSION
  !error "Define APP_VERSION (e.g. -DAPP_VERSION=0.1.0); installer/build.py does."
!endif
!ifndef APP_VERSION_NUMERIC
  !error "Define APP_VERSION_NUMERIC as four numbers (e.g. -DAPP_VERSION_NUMERIC=0.1.0.0)."
!endif
!ifndef BUNDLE_DIR
  !error "Define BUNDLE_DIR: the PyInstaller folder holding FluoroDesk.exe (dist\FluoroDesk)."
!endif
!ifndef OUT_FILE
  !define OUT_FILE "FluoroDesk-${APP_VERSION}-setup.exe"
!endif

!define APP_NAME "FluoroDesk"
!define APP_EXE "FluoroDesk.exe"
!define CLI_EXE "fluorodesk-cli.exe"
!define PUBLISHER "FluoroDesk"
!define UNINSTALLER "Uninstall FluoroDesk.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\FluoroDesk"
!define DATA_FOLDER_HINT "%LOCALAPPDATA%\FluoroDesk"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"
!include "WinVer.nsh"
!include "FileFunc.nsh"
!include "WordFunc.nsh"

Name "${APP_NAME} ${APP_VERSION}"
OutFile "${OUT_FILE}"
InstallDir "$PROGRAMFILES64\${APP_NAME}"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${APP_VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${APP_VERSION_NUMERIC}"
VIFileVersion "${APP_VERSION_NUMERIC}"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "ProductVersion" "${APP_VERSION}"
VIAddVersionKey "FileVersion" "${APP_VERSION}"
VIAddVersionKey "FileDescription" "${APP_NAME} ${APP_VERSION} installer"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "© ${PUBLISHER}"

; ---------------------------------------------------------------- pages

!define MUI_ICON "${__FILEDIR__}\..\resources\icons\fluorodesk.ico"
!define MUI_UNICON "${__FILEDIR__}\..\resources\icons\fluorodesk.ico"
!define MUI_ABORTWARNING
!define MUI_WELCOMEFINISHPAGE_BITMAP "${__FILEDIR__}\wizard.bmp"
!define MUI_UNWELCOMEFINISHPAGE_BITMAP "${__FILEDIR__}\wizard.bmp"

!define MUI_WELCOMEPAGE_TEXT "This installs ${APP_NAME} ${APP_VERSION} for everyone who uses this computer.$\r$\n$\r$\nIf an older ${APP_NAME} is installed, it is replaced. The clinic's records are kept: they are not stored in the program folder.$\r$\n$\r$\nClose ${APP_NAME} before you continue."
!insertmacro MUI_PAGE_WELCOME
; An upgrade goes where the old version is (so its files are replaced, not left behind): no folder choice.
!define MUI_PAGE_CUSTOMFUNCTION_PRE SkipDirectoryPageOnUpgrade
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
; No "open FluoroDesk now" box: the installer runs as administrator, and a FluoroDesk started from it
; would open the administrator's data folder instead of the signed-in user's.
!define MUI_FINISHPAGE_TEXT "${APP_NAME} ${APP_VERSION} is installed.$\r$\n$\r$\nOpen it from the Start menu or the desktop shortcut."
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!define MUI_FINISHPAGE_TITLE "${APP_NAME} was removed"
!define MUI_FINISHPAGE_TEXT "The program and its shortcuts were removed.$\r$\n$\r$\nThe clinic's records were NOT deleted: they stay in each user's ${DATA_FOLDER_HINT} folder, and a new installation of ${APP_NAME} opens them again."
!insertmacro MUI_UNPAGE_FINISH

!insertmacro MUI_LANGUAGE "English"

; ---------------------------------------------------------------- helpers

; A running program cannot be opened for writing: that tells whether FluoroDesk is open.
; (IfErrors clears the error flag, so each result is kept in $1 at once.)
!macro SET_IF_RUNNING exe
  ${If} ${FileExists} "$INSTDIR\${exe}"
    ClearErrors
    FileOpen $0 "$INSTDIR\${exe}" a
    ${If} ${Errors}
      StrCpy $1 1
    ${Else}
      FileClose $0
    ${EndIf}
  ${EndIf}
!macroend

!macro REFUSE_WHILE_RUNNING un
Function ${un}RefuseWhileRunning
  Push $0
  Push $1
  ${Do}
    StrCpy $1 0
    !insertmacro SET_IF_RUNNING "${APP_EXE}"
    !insertmacro SET_IF_RUNNING "${CLI_EXE}"
    ${If} $1 == 0
      ${Break}
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP_NAME} is still open (perhaps in another user's session).$\r$\n$\r$\nClose it with File > Quit, then click Retry." /SD IDCANCEL IDRETRY retry
    Abort
    retry:
  ${Loop}
  Pop $1
  Pop $0
FunctionEnd
!macroend
!insertmacro REFUSE_WHILE_RUNNING ""
!insertmacro REFUSE_WHILE_RUNNING "un."

; The program files this installer puts in $INSTDIR, and nothing else: never RMDir /r $INSTDIR itself,
; in case someone chose a folder that holds other things.
!macro REMOVE_PROGRAM_FILES
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${APP_EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
!macroend

; ---------------------------------------------------------------- install

Function .onInit
  ${IfNot} ${RunningX64}
  ${OrIfNot} ${AtLeastWin10}
    MessageBox MB_OK|MB_ICONSTOP "${APP_NAME} needs 64-bit Windows 10 or newer." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  ; Installing an older version over a newer one: the newer one may have updated the database, which
  ; an older FluoroDesk refuses to open (it leaves the file unchanged).  Ask; the default is No.
  ReadRegStr $0 HKLM "${UNINSTALL_KEY}" "VersionNumeric"
  ${If} $0 != ""
    ${VersionCompare} "$0" "${APP_VERSION_NUMERIC}" $1
    ${If} $1 == 1
      ReadRegStr $2 HKLM "${UNINSTALL_KEY}" "DisplayVersion"
      MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 "${APP_NAME} $2 is installed, which is newer than this installer (${APP_VERSION}).$\r$\n$\r$\nA newer ${APP_NAME} may have updated the clinic's database; this older version would then refuse to open it.$\r$\n$\r$\nReplace ${APP_NAME} $2 with ${APP_VERSION} anyway?" /SD IDNO IDYES +2
      Abort
    ${EndIf}
  ${EndIf}
FunctionEnd

Function SkipDirectoryPageOnUpgrade
  ReadRegStr $0 HKLM "${UNINSTALL_KEY}" "InstallLocation"
  ${If} $0 != ""
  ${AndIf} ${FileExists} "$0\${APP_EXE}"
    Abort
  ${EndIf}
FunctionEnd

Section "${APP_NAME}" SecApp
  SectionIn RO
  Call RefuseWhileRunning
  ; Upgrade: remove the previous version's program files first, so no stale library is left behind.
  ${If} ${FileExists} "$INSTDIR\${APP_EXE}"
    DetailPrint "Removing the previous version's program files (the clinic's records are elsewhere and stay)"
    !insertmacro REMOVE_PROGRAM_FILES
  ${EndIf}

  SetOutPath "$INSTDIR"
  File /r "${BUNDLE_DIR}\*"
  WriteUninstaller "$INSTDIR\${UNINSTALLER}"

  CreateShortCut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0
  CreateShortCut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${APP_EXE}" "" "$INSTDIR\${APP_EXE}" 0

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${APP_VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "VersionNumeric" "${APP_VERSION_NUMERIC}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" '"$INSTDIR\${APP_EXE}",0'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

; ---------------------------------------------------------------- uninstall

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "Uninstall"
  Call un.RefuseWhileRunning
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  !insertmacro REMOVE_PROGRAM_FILES
  Delete "$INSTDIR\${UNINSTALLER}"
  RMDir "$INSTDIR"  ; only if empty: anything else someone put there stays
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  ; Deliberately nothing about %LOCALAPPDATA%\FluoroDesk: the clinic's records outlive the program.
SectionEnd
