-- Sealed states are AES-GCM ciphertext: compressing them is wasted work.
-- Store them out of line without trying.
ALTER TABLE user_state ALTER COLUMN state SET STORAGE EXTERNAL;
