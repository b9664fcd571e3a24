; Inno Setup 6 script: the per-machine Windows installer of CARS Desktop.
;
; Build on Windows after installer/build.py has made dist\cars-desktop\ and dist\cars-desktop-version.iss
; (see installer/README.md):
;     "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" installer\windows\cars-desktop.iss
; Output: dist\CARS-Desktop-Setup-<version>.exe
;
; Silent install by IT staff, with a provisioning file (TOML, from the central server's admin):
;     CARS-Desktop-Setup-<version>.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /PROVISION="D:\ws\oldbury-07.toml"
; After the files are in place, setup runs once:
;     "<app>\cars-desktop.exe" --data-dir "%ProgramData%\CARS Desktop" provision "D:\ws\oldbury-07.toml"
; which enrols the workstation and deletes the spent file. Setup's exit code is 0 when everything
; worked, 10 when provisioning failed (the program's own message is in the setup log, which is
; always written: %TEMP%\Setup Log <date> #<n>.txt, or the file given with /LOG="..."), and 11 when
; it worked but the file could not be deleted (the operator must delete it).
;
; Upgrades: the same AppId installs over the old version; the old program folder's _internal is
; removed first so no stale library survives, and the data folder is never touched (the program
; migrates the store at the next unlock).
; Uninstall keeps the data folder (the encrypted store, its backups, settings.json) unless asked:
; interactively it asks (default: keep), silently it keeps it unless given /PURGEDATA.

#define AppName "CARS Desktop"
#define AppPublisher "CARS Desktop project"
#define BundleDir "..\..\dist\cars-desktop"
#define OutputDir "..\..\dist"
; installer/build.py writes the version the program reports (cars_desktop.__version__) here.
#include "..\..\dist\cars-desktop-version.iss"
#ifndef AppVersion
  #error dist\cars-desktop-version.iss did not define AppVersion; run installer/build.py first
#endif

[Setup]
AppId={{6B1F3C2E-8D4A-4E7B-9A51-3C2D7E0F4B18}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=CARS-Desktop-Setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
SetupLogging=yes
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\cars-desktop.exe
UninstallDisplayName={#AppName} {#AppVersion}
MinVersion=10.0

[InstallDelete]
; a one-folder build: files of the previous version that this one no longer has must not linger
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\cars-desktop.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\cars-desktop-gui.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; The machine-wide data folder (cars_desktop.config.machine_data_dir). Its permissions are set in
; [Code] (SetDataFolderPermissions): SYSTEM and Administrators full control, the machine's Users
; modify, nothing inherited and no Everyone. Kept at uninstall unless asked (see above).
Name: "{commonappdata}\{#AppName}"; Flags: uninsneveruninstall

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\cars-desktop-gui.exe"; WorkingDir: "{app}"; Comment: "Case recording for arrest referral work"

[Run]
Filename: "{app}\cars-desktop-gui.exe"; Description: "Start {#AppName} now"; Flags: nowait postinstall skipifsilent unchecked

[Code]
const
  ExitProvisioningFailed = 10;
  ExitProvisioningFileLeft = 11;

var
  CustomExitCode: Integer;

function DataFolder: String;
begin
  Result := ExpandConstant('{commonappdata}\{#AppName}');
end;

{ A bare switch such as /PURGEDATA ({param:...} reads only /NAME=value). }
function SwitchGiven(const Name: String): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), Name) = 0 then
      Result := True;
end;

function ProvisioningFile: String;
begin
  Result := ExpandConstant('{param:PROVISION|}');
end;

{ Well-known SIDs, so the names' language on the PC does not matter:
  S-1-5-18 SYSTEM, S-1-5-32-544 Administrators, S-1-5-32-545 Users. }
procedure SetDataFolderPermissions;
var
  ResultCode: Integer;
  Params: String;
begin
  Params := '"' + DataFolder + '" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F '
    + '*S-1-5-32-545:(OI)(CI)M';
  if Exec(ExpandConstant('{sys}\icacls.exe'), Params, '', SW_HIDE, ewWaitUntilTerminated, ResultCode)
     and (ResultCode = 0) then
    Log('Data folder permissions set: ' + DataFolder)
  else
    Log('WARNING: icacls could not set the data folder permissions (exit ' + IntToStr(ResultCode) + ')');
end;

{ Runs `cars-desktop.exe provision FILE`, its output appended to the setup log line by line. }
procedure Provision(const FileName: String);
var
  ResultCode, I: Integer;
  OutputFile, Params: String;
  Lines: TArrayOfString;
begin
  OutputFile := ExpandConstant('{tmp}\provision-output.txt');
  Params := '/C ""' + ExpandConstant('{app}\cars-desktop.exe') + '" --data-dir "' + DataFolder
    + '" provision "' + FileName + '" > "' + OutputFile + '" 2>&1"';
  Log('Provisioning from ' + FileName);
  if not Exec(ExpandConstant('{cmd}'), Params, ExpandConstant('{app}'), SW_HIDE,
              ewWaitUntilTerminated, ResultCode) then
    ResultCode := -1;
  if LoadStringsFromFile(OutputFile, Lines) then
    for I := 0 to GetArrayLength(Lines) - 1 do
      Log('cars-desktop: ' + Lines[I]);
  DeleteFile(OutputFile);
  if ResultCode <> 0 then
  begin
    CustomExitCode := ExitProvisioningFailed;
    Log('ERROR: provisioning failed (exit ' + IntToStr(ResultCode) + '); the program is installed '
      + 'but not enrolled. Fix the cause above, then run: cars-desktop provision FILE');
    SuppressibleMsgBox('CARS Desktop is installed, but provisioning failed (exit ' + IntToStr(ResultCode)
      + '). The setup log says why.', mbError, MB_OK, IDOK);
  end
  else if FileExists(FileName) then
  begin
    CustomExitCode := ExitProvisioningFileLeft;
    Log('WARNING: the provisioning file ' + FileName + ' is still there: delete it now (its code is spent)');
    SuppressibleMsgBox('The workstation is enrolled, but the provisioning file could not be deleted: '
      + 'delete ' + FileName + ' now.', mbError, MB_OK, IDOK);
  end
  else
    Log('Provisioning succeeded; the provisioning file was deleted');
end;

procedure CurStepChanged(CurStep: TSetupStep);
begin
  if CurStep = ssPostInstall then
  begin
    SetDataFolderPermissions;
    if ProvisioningFile <> '' then
      Provision(ProvisioningFile);
  end;
end;

function GetCustomSetupExitCode: Integer;
begin
  Result := CustomExitCode;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Purge: Boolean;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  if not DirExists(DataFolder) then
    Exit;
  Purge := SwitchGiven('/PURGEDATA');
  if (not Purge) and (not UninstallSilent) then
    Purge := MsgBox('Also delete the data folder ' + DataFolder + '? It holds this workstation''s '
      + 'encrypted records that have not been sent to the central server, and its backups. '
      + 'Choose No to keep them.', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
  if Purge then
  begin
    if DelTree(DataFolder, True, True, True) then
      Log('Data folder deleted: ' + DataFolder)
    else
      Log('WARNING: the data folder could not be deleted: ' + DataFolder);
  end
  else
    Log('Data folder kept: ' + DataFolder);
end;
